package server

import (
	"context"
	"fmt"
	"slices"
	"time"

	"onramp.dev/events"
	"onramp.dev/infra/consumer"
	"onramp.dev/infra/directory"
	"onramp.dev/infra/eventlog"
	"onramp.dev/services/training"
)

// onHired applies the team and track assignments that match a new person. The effect is
// the person joining the assignment's people, in the assignment's own document; a
// redelivered hired event finds them there already and changes nothing.
func (m *Main) onHired(ctx context.Context, msg *consumer.Msg) error {
	var e events.StaffHired
	if err := msg.Env.Payload(&e); err != nil {
		return err
	}
	// An assignment made from here on resolves its audience from the directory: make sure
	// the directory knows this person before deciding, so nobody falls between the two.
	m.dir.WaitApplied(ctx, msg.Seq, 10*time.Second)
	who := training.Member{ID: msg.Env.Subject, Name: e.Name, Team: e.Team, Track: e.Track, Roles: e.Roles, Active: true}
	m.el.RLock()
	var ids []string
	for _, a := range m.state.Reached(who) {
		ids = append(ids, a.ID)
	}
	m.el.RUnlock()
	for _, id := range ids {
		if err := m.reach(ctx, msg.Env.Actor, id, []string{who.ID}, msg.Env.ID); err != nil {
			return err
		}
	}
	return nil
}

// reach appends assignment.reached for the people of ids the assignment does not reach yet.
func (m *Main) reach(ctx context.Context, actor, id string, people []string, source string) error {
	defer m.el.Lock(id)()
	return eventlog.Retry(func() error {
		m.el.RLock()
		a, ok := m.state.Assignment(id)
		var seq uint64
		var module string
		var fresh []string
		if ok {
			seq, module = a.Seq, a.Module
			for _, p := range people {
				if !slices.Contains(a.People, p) {
					fresh = append(fresh, p)
				}
			}
		}
		m.el.RUnlock()
		if !ok || len(fresh) == 0 {
			return nil
		}
		env, err := events.New(actor, id, events.AssignmentReached{Module: module, People: fresh, Source: source}, m.cfg.Now())
		if err != nil {
			return fmt.Errorf("%w: %w", consumer.ErrPermanent, err)
		}
		_, err = m.commit(ctx, env, events.RecordFilter("training", "assignment", id), seq)
		return err
	})
}

// reconcile makes every team and track assignment reach everyone now in its team or track.
// It catches the people a race left out: someone hired while the assignment was being
// made, or the rest of a very large assignment whose command failed half-way.
func (m *Main) reconcile(ctx context.Context) error {
	type gap struct {
		id     string
		people []string
	}
	var gaps []gap
	m.el.RLock()
	rules := m.state.Assignments(func(a *training.Assignment) bool {
		return a.Kind == events.AssignTeam || a.Kind == events.AssignTrack
	})
	for _, a := range rules {
		reached := make(map[string]bool, len(a.People))
		for _, p := range a.People {
			reached[p] = true
		}
		var missing []string
		for _, p := range m.dir.Find(func(p directory.Person) bool {
			return (a.Kind == events.AssignTeam && p.Team == a.Target) || (a.Kind == events.AssignTrack && p.Track == a.Target)
		}) {
			if !reached[p.ID] {
				missing = append(missing, p.ID)
			}
		}
		if len(missing) > 0 {
			gaps = append(gaps, gap{a.ID, missing})
		}
	}
	m.el.RUnlock()
	for _, g := range gaps {
		for len(g.people) > 0 { // in slices, so no event outgrows a message
			n := min(len(g.people), 1000)
			if err := m.reach(ctx, events.System, g.id, g.people[:n], "reconcile"); err != nil {
				return err
			}
			g.people = g.people[n:]
		}
	}
	return nil
}

// sweepLoop looks for overdue assignments now and then every SweepEvery.
func (m *Main) sweepLoop(ctx context.Context) {
	t := time.NewTicker(m.cfg.SweepEvery)
	defer t.Stop()
	for {
		if _, err := m.Sweep(ctx); err != nil && ctx.Err() == nil {
			m.log.Warn("overdue sweep failed", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
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

// learnerCommit takes the learner's lock, decides (under the state's read lock) and
// appends the event, expecting no other event about the learner since the decision.
// decide returning a nil payload means there is nothing to do; sent reports an append.
func (m *Main) learnerCommit(ctx context.Context, actor, person string, decide func() (events.Payload, error)) (sent bool, err error) {
	defer m.el.Lock(training.LearnerID(person))()
	err = eventlog.Retry(func() error {
		sent, _, err = m.learnerAppend(ctx, actor, person, decide)
		return err
	})
	return sent, err
}

// learnerAppend is one try of learnerCommit; the caller holds the learner's lock. It
// returns the stream sequence of the appended event.
func (m *Main) learnerAppend(ctx context.Context, actor, person string, decide func() (events.Payload, error)) (bool, uint64, error) {
	m.el.RLock()
	p, err := decide()
	seq := m.state.LearnerSeq(person)
	m.el.RUnlock()
	if err != nil || p == nil {
		return false, 0, err
	}
	env, err := events.New(actor, person, p, m.cfg.Now())
	if err != nil {
		return false, 0, err
	}
	at, err := m.commit(ctx, env, events.TrainingLearnerFilter(person), seq)
	if err != nil {
		return false, 0, err
	}
	return true, at, nil
}
