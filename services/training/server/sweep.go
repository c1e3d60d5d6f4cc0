package server

import (
	"context"

	"onramp.dev/events"
	"onramp.dev/infra/background"
)

// sweepLoop looks for overdue assignments now and then every SweepEvery.
func (m *Main) sweepLoop(ctx context.Context) {
	background.Every(ctx, m.cfg.SweepEvery, func(ctx context.Context) {
		if _, err := m.Sweep(ctx); err != nil && ctx.Err() == nil {
			m.log.Warn("overdue sweep failed", "err", err)
		}
	})
}

// Sweep publishes training.assignment.overdue once per learner, module and due date for
// assigned modules past their due date and not passed (the learner record remembers the
// due date reported), and module.passed for any pass that lacks it (a crash between the
// two appends of an attempt). It returns how many overdue events it published.
func (m *Main) Sweep(ctx context.Context) (int, error) {
	if err := m.reconcile(ctx); err != nil {
		return 0, err
	}
	today := events.Date(m.cfg.Now())
	m.el.RLock()
	due := m.state.DueOverdue(today)
	missing := m.state.Unannounced()
	m.el.RUnlock()
	n := 0
	for _, o := range due {
		sent, err := m.learnerCommit(ctx, events.System, o.Person, func() (events.Payload, error) {
			cur, still := m.state.OverdueOf(o.Person, o.Module, today)
			if !still {
				return nil, nil
			}
			return events.AssignmentOverdue{Person: o.Person, Module: o.Module, Due: cur.Due, Assignments: cur.Assignments}, nil
		})
		if err != nil {
			return n, err
		}
		if sent {
			n++
		}
	}
	for _, p := range missing {
		_, err := m.learnerCommit(ctx, events.System, p.Person, func() (events.Payload, error) {
			l, ok := m.state.Learner(p.Person)
			if !ok {
				return nil, nil
			}
			if pr := l.Progress(p.Module); pr == nil || pr.PassSent {
				return nil, nil
			}
			return p, nil
		})
		if err != nil {
			return n, err
		}
	}
	return n, nil
}
