package server

import (
	"context"

	"onramp.dev/events"
	"onramp.dev/infra/background"
	"onramp.dev/infra/eventlog"
	"onramp.dev/services/onboarding"
)

// sweepLoop looks for overdue tasks now and then every SweepEvery.
func (m *Main) sweepLoop(ctx context.Context) {
	background.Every(ctx, m.cfg.SweepEvery, func(ctx context.Context) {
		if _, err := m.Sweep(ctx); err != nil && ctx.Err() == nil {
			m.log.Warn("overdue sweep failed", "err", err)
		}
	})
}

// Sweep publishes onboarding.task.overdue for every task that became overdue and was not
// reported yet (the plan records that it was, so each task is reported once per due
// date), and onboarding.plan.completed for any finished plan that lacks it. It returns how
// many overdue events it published.
func (m *Main) Sweep(ctx context.Context) (int, error) {
	today := events.Date(m.cfg.Now())
	m.el.RLock()
	due := m.state.DueOverdue(today)
	m.el.RUnlock()
	n := 0
	for _, o := range due {
		err := func() error {
			defer m.el.Lock(o.Plan)()
			return eventlog.Retry(func() error {
				m.el.RLock()
				p, ok := m.state.Plan(o.Plan)
				var still bool
				var seq uint64
				if ok {
					t, found := p.Task(o.Task)
					still = found && t.Overdue(today) && t.OverdueSent() != t.Due() && t.Due() == o.Due
					seq = p.Seq
				}
				m.el.RUnlock()
				if !still {
					return nil
				}
				env, err := events.New(events.System, o.Plan, events.TaskOverdue{Task: o.Task, Due: o.Due, Assignee: o.Assignee}, m.cfg.Now())
				if err != nil {
					return err
				}
				if err := m.commit(ctx, env, seq); err != nil {
					return err
				}
				n++
				return nil
			})
		}()
		if err != nil {
			return n, err
		}
	}
	m.el.RLock()
	var finished []string
	for _, p := range m.state.Plans(func(p *onboarding.Plan) bool { return p.AllDone() && !p.Completed }) {
		finished = append(finished, p.ID)
	}
	m.el.RUnlock()
	for _, id := range finished {
		if err := func() error { defer m.el.Lock(id)(); return m.completeIfDone(ctx, id, events.System) }(); err != nil {
			return n, err
		}
	}
	return n, nil
}
