package events

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func TestOnboardingPayloadValidation(t *testing.T) {
	task := PlanTask{ID: "order-laptop", Title: "Order laptop", Section: "pre-start", Owner: OwnerIT, Assignee: QueueIT, Due: "2026-11-23"}
	good := []Payload{
		PlanCreated{Hire: "ada", Name: "Ada", Team: "platform", Track: "infrastructure", StartDate: "2026-12-01", TemplateVersion: 1, Source: "x", Tasks: []PlanTask{task}},
		PlanRejected{Hire: "ada", Reason: "no template"},
		PlanCompleted{Hire: "ada", Tasks: 3},
		TaskCompleted{Task: "order-laptop", Evidence: "LAP-1", OnBehalfOf: QueueIT},
		TaskReopened{Task: "order-laptop", Reason: "wrong model"},
		TaskAdded{Task: task},
		TaskRemoved{Task: "order-laptop"},
		TaskChanged{Task: "order-laptop", Owner: OwnerLead, Assignee: "lee"},
		TaskOverdue{Task: "order-laptop", Due: "2026-11-23"},
		TasksReassigned{Tasks: []string{"mentor-hello"}, To: "maya", Source: "e1"},
	}
	for _, p := range good {
		if err := p.Validate(); err != nil {
			t.Errorf("%s: %v", p.EventType(), err)
		}
		if _, err := New("x", PlanID("ada"), p, time.Now()); err != nil {
			t.Errorf("%s: New: %v", p.EventType(), err)
		}
		if !strings.HasPrefix(p.EventType(), "onboarding.") || StreamFor(p.EventType()) != "ONBOARDING" {
			t.Errorf("%s is not on the onboarding stream", p.EventType())
		}
	}
	bad := []struct {
		p     Payload
		field string
	}{
		{PlanCreated{Hire: "ada", Name: "Ada", Track: "x", StartDate: "2026-12-01", TemplateVersion: 1}, "tasks"},
		{PlanCreated{Hire: "ada", Name: "Ada", Track: "x", StartDate: "soon", TemplateVersion: 1, Tasks: []PlanTask{task}}, "start_date"},
		{PlanCreated{Hire: "ada", Name: "Ada", Track: "x", StartDate: "2026-12-01", TemplateVersion: 1, Tasks: []PlanTask{task, task}}, "duplicate"},
		{TaskAdded{Task: PlanTask{ID: "a.b", Title: "t", Section: "day-1", Owner: "pilot", Due: "x"}}, "task.owner"},
		{TaskReopened{Task: "t", Reason: " "}, "reason"},
		{TaskChanged{Task: "t"}, "due"},
		{TaskOverdue{Task: "t", Due: "later"}, "due"},
		{TasksReassigned{Tasks: []string{"t"}}, "to"},
		{PlanCompleted{Hire: "ada"}, "tasks"},
	}
	for _, tt := range bad {
		if err := tt.p.Validate(); !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), tt.field) {
			t.Errorf("%s: Validate() = %v, want ErrInvalid naming %s", tt.p.EventType(), err, tt.field)
		}
	}
	if OnboardingPlanFilter("plan-ada") != "onramp.onboarding.*.plan-ada.>" {
		t.Error(OnboardingPlanFilter("plan-ada"))
	}
}
