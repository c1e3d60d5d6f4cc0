// Package onboardingapi is the onboarding service's contract with its callers: the operations it
// answers, each with its request and reply types.
package onboardingapi

import "onramp.dev/events"

// The onboarding service's operations: every query and command it answers, as its server
// registers them (services/onboarding/server/ops.go).
//
// Queries answer from the service's model and change nothing.
var (
	OpPlansList     = events.Op[events.PlansRequest, events.PlansReply]{Service: events.OnboardingService, Name: events.OpPlansList} // scoped to the caller
	OpPlanGet       = events.Op[events.PlanRequest, events.PlanView]{Service: events.OnboardingService, Name: events.OpPlanGet}
	OpMyTasks       = events.Op[events.QueueRequest, events.QueueReply]{Service: events.OnboardingService, Name: events.OpMyTasks}
	OpTemplatesInfo = events.Op[events.TemplatesInfoRequest, events.TemplatesInfo]{Service: events.OnboardingService, Name: events.OpTemplatesInfo} // any caller
)

// Commands decide against the model and append the events they return.
var (
	OpTaskComplete = events.Op[events.TaskRequest, events.PlanView]{Service: events.OnboardingService, Name: events.OpTaskComplete}
	OpTaskReopen   = events.Op[events.TaskRequest, events.PlanView]{Service: events.OnboardingService, Name: events.OpTaskReopen}
	OpTaskAdd      = events.Op[events.AddTaskRequest, events.PlanView]{Service: events.OnboardingService, Name: events.OpTaskAdd}
	OpTaskRemove   = events.Op[events.TaskRequest, events.PlanView]{Service: events.OnboardingService, Name: events.OpTaskRemove}
	OpTaskChange   = events.Op[events.ChangeTaskRequest, events.PlanView]{Service: events.OnboardingService, Name: events.OpTaskChange}
)
