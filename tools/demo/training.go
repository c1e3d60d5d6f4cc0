package demo

import (
	"context"
	"fmt"
	"time"

	"github.com/nats-io/nats.go"

	curriculum "onramp.dev/content/training"
	"onramp.dev/events"
	"onramp.dev/infra/rpc"
)

// Demo training: the demo hire has two modules assigned by their lead — one passed through
// a real graded attempt, one due in three days. Seeding again changes nothing (fixed
// assignment ids; the attempt is only taken while the module is not passed).
const (
	demoPassedModule = "acceptable-use-and-security-policy"
	demoDueModule    = "phishing-and-social-engineering"
)

func seedTraining(ctx context.Context, nc *nats.Conn, today time.Time) error {
	call := func(op string, req any) error {
		_, err := rpc.Call[struct{}](ctx, nc, events.RPC(events.TrainingService, op), rpc.Caller{System: true}, req)
		if err != nil {
			return fmt.Errorf("demo: training %s: %w", op, err)
		}
		return nil
	}
	for _, a := range []events.AssignRequest{
		{ID: "demo-training-aup", Module: demoPassedModule, Person: "demo-hire", Due: today.AddDate(0, 0, 7).Format(events.DateLayout), As: "demo-lead"},
		{ID: "demo-training-phishing", Module: demoDueModule, Person: "demo-hire", Due: today.AddDate(0, 0, 3).Format(events.DateLayout), As: "demo-lead"},
	} {
		if err := call(events.OpAssign, a); err != nil {
			return err
		}
	}
	prog, err := rpc.Call[events.ProgressView](ctx, nc, events.RPC(events.TrainingService, events.OpProgress), rpc.Caller{System: true},
		events.ModuleRequest{ID: demoPassedModule, As: "demo-hire"})
	if err != nil {
		return fmt.Errorf("demo: training progress: %w", err)
	}
	if prog.Item.Status == events.StatusPassed {
		return nil
	}
	mods, err := curriculum.Load()
	if err != nil {
		return err
	}
	for _, mod := range mods {
		if mod.ID != demoPassedModule {
			continue
		}
		for _, l := range mod.Lessons {
			if err := call(events.OpLessonRead, events.LessonRequest{Module: mod.ID, Lesson: l.ID, As: "demo-hire"}); err != nil {
				return err
			}
		}
		answers := map[string][]string{}
		for _, q := range mod.Quiz.Questions {
			for _, c := range q.Choices {
				if c.Correct {
					answers[q.ID] = append(answers[q.ID], c.ID)
				}
			}
		}
		res, err := rpc.Call[events.AttemptResult](ctx, nc, events.RPC(events.TrainingService, events.OpAttempt), rpc.Caller{System: true},
			events.AttemptRequest{Module: mod.ID, Answers: answers, As: "demo-hire"})
		if err != nil {
			return fmt.Errorf("demo: training attempt: %w", err)
		}
		if !res.Passed {
			return fmt.Errorf("demo: the demo hire's attempt at %s scored %d%%", mod.ID, res.Score)
		}
	}
	return nil
}
