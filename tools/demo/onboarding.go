package demo

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/nats-io/nats.go"

	"onramp.dev/events"
	"onramp.dev/infra/rpc"
)

// seedOnboarding gives the demo hire (who started ten days ago) a plan with history:
// every task due before today is done except one, which stays overdue. The plan itself is
// made by the onboarding service from the hired event; this waits for it, then completes
// tasks as the system caller (recorded as done on behalf of their assignee). Running it
// again changes nothing: completing a done task is a no-op. Without a running onboarding
// service (e.g. only identity started as its own process) it seeds nothing.
func seedOnboarding(ctx context.Context, nc *nats.Conn, today time.Time) error {
	system := rpc.Caller{System: true}
	get := func() (events.PlanView, error) {
		return rpc.Call[events.PlanView](ctx, nc, events.RPC(events.OnboardingService, events.OpPlanGet), system, events.PlanRequest{ID: events.PlanID("demo-hire")})
	}
	var plan events.PlanView
	deadline := time.Now().Add(30 * time.Second)
	for {
		var err error
		if plan, err = get(); err == nil {
			break
		}
		if errors.Is(err, rpc.ErrUnavailable) {
			return nil // the onboarding service is not running here: nothing to seed
		}
		if time.Now().After(deadline) || ctx.Err() != nil {
			return fmt.Errorf("demo: the demo hire's onboarding plan did not appear: %w", err)
		}
		time.Sleep(20 * time.Millisecond)
	}
	day := events.Date(today)
	keep := "" // the one task left overdue: the hire's latest past-due task
	for _, t := range plan.Tasks {
		if t.Due < day && (t.Owner == events.OwnerHire || keep == "") {
			keep = t.ID
		}
	}
	for _, t := range plan.Tasks {
		if t.Due >= day || t.Done || t.ID == keep {
			continue
		}
		req := events.TaskRequest{ID: t.ID}
		if t.NeedsEvidence {
			req.Evidence = "Recorded when the demo was set up."
		}
		if _, err := rpc.Call[events.PlanView](ctx, nc, events.RPC(events.OnboardingService, events.OpTaskComplete), system, req); err != nil {
			return fmt.Errorf("demo: complete %s: %w", t.ID, err)
		}
	}
	return nil
}
