package server

import (
	"context"

	"onramp.dev/events"
	"onramp.dev/infra/eventlog"
)

// Command plumbing shared by the operations (ops.go) and the sweep (sweep.go).

// completeIfDone appends plan.completed when every task of the plan is done and it was
// not announced yet. The caller holds the plan's lock (or none: the sweeper takes it).
func (m *Main) completeIfDone(ctx context.Context, id, actor string) error {
	return eventlog.Retry(func() error {
		m.el.RLock()
		p, ok := m.state.Plan(id)
		var todo bool
		var seq uint64
		var payload events.PlanCompleted
		if ok {
			todo, seq = p.AllDone() && !p.Completed, p.Seq
			payload = events.PlanCompleted{Hire: p.Hire, Tasks: len(p.Tasks)}
		}
		m.el.RUnlock()
		if !todo {
			return nil
		}
		env, err := events.New(actor, id, payload, m.cfg.Now())
		if err != nil {
			return err
		}
		return m.commit(ctx, env, seq)
	})
}
