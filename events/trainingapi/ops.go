// Package trainingapi is the training service's contract with its callers: the operations it
// answers, each with its request and reply types.
package trainingapi

import "onramp.dev/events"

// The training service's operations: every query and command it answers, as its server
// registers them (services/training/server/ops.go).
//
// Queries answer from the service's model and change nothing.
var (
	OpModulesList  = events.Op[events.ModuleRequest, events.ModulesReply]{Service: events.TrainingService, Name: events.OpModulesList} // public: no answers
	OpModuleGet    = events.Op[events.ModuleRequest, events.ModuleView]{Service: events.TrainingService, Name: events.OpModuleGet}
	OpMyTraining   = events.Op[events.ModuleRequest, events.LearnerReply]{Service: events.TrainingService, Name: events.OpMyTraining} // As only
	OpProgress     = events.Op[events.ModuleRequest, events.ProgressView]{Service: events.TrainingService, Name: events.OpProgress}   // the caller's own
	OpTeamTraining = events.Op[events.TeamRequest, events.TeamReply]{Service: events.TrainingService, Name: events.OpTeamTraining}
	OpReport       = events.Op[events.ReportRequest, events.ReportReply]{Service: events.TrainingService, Name: events.OpReport}
)

// Commands decide against the model and append the events they return.
var (
	OpAssign     = events.Op[events.AssignRequest, events.AssignmentView]{Service: events.TrainingService, Name: events.OpAssign}
	OpEnrol      = events.Op[events.ModuleRequest, events.LearnerItem]{Service: events.TrainingService, Name: events.OpEnrol}
	OpLessonRead = events.Op[events.LessonRequest, events.LearnerItem]{Service: events.TrainingService, Name: events.OpLessonRead}
	OpAttempt    = events.Op[events.AttemptRequest, events.AttemptResult]{Service: events.TrainingService, Name: events.OpAttempt}
	OpGrant      = events.Op[events.GrantRequest, events.LearnerItem]{Service: events.TrainingService, Name: events.OpGrant}
)
