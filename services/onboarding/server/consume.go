package server

import (
	"context"
	"fmt"
	"slices"

	"onramp.dev/events"
	"onramp.dev/infra/consumer"
	"onramp.dev/infra/directory"
	"onramp.dev/infra/eventlog"
	"onramp.dev/services/onboarding"
)

// onIdentity handles the identity events onboarding reacts to, in stream order.
func (m *Main) onIdentity(ctx context.Context, msg *consumer.Msg) error {
	switch msg.Env.Type {
	case events.StaffHired{}.EventType():
		return m.onHired(ctx, msg)
	case events.StaffDisabled{}.EventType():
		return m.onDisabled(ctx, msg)
	}
	return nil
}

// onDisabled ends a disabled person's part in every plan they mentor, as if the
// mentorship had ended: their open mentor tasks go back to the lead and the plan no
// longer names them.
func (m *Main) onDisabled(ctx context.Context, msg *consumer.Msg) error {
	person := msg.Env.Subject
	m.el.RLock()
	var hires []string
	for _, p := range m.state.Plans(func(p *onboarding.Plan) bool { return p.Mentor == person }) {
		hires = append(hires, p.Hire)
	}
	m.el.RUnlock()
	for _, hire := range hires {
		err := m.reassign(ctx, msg, hire, func(p *onboarding.Plan) (events.TasksReassigned, bool) {
			return onboarding.DecideMentorEnded(p, person, msg.Env.ID)
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// onHired makes the plan of a new hire. The plan id is derived from the hire, and the
// append expects the plan to have no events yet, so a redelivered (or replayed, or
// concurrently handled) hired event never makes a second plan. People hired without the
// hire role (staff accounts for leads, IT, HR) get no plan.
func (m *Main) onHired(ctx context.Context, msg *consumer.Msg) error {
	var e events.StaffHired
	if err := msg.Env.Payload(&e); err != nil {
		return err
	}
	if !slices.Contains(e.Roles, events.RoleHire) {
		return nil
	}
	hire := msg.Env.Subject
	id := events.PlanID(hire)
	lead := e.Lead
	if lead == "" { // no lead named: the team's lead, if it has exactly one
		if leads := m.dir.TeamFind(e.Team, func(p directory.Person) bool { return p.Has(events.RoleLead) }); len(leads) == 1 {
			lead = leads[0].ID
		}
	}
	payload, err := onboarding.DecideCreate(onboarding.Hired{
		Hire: hire, Name: e.Name, Team: e.Team, Lead: lead, Track: e.Track, StartDate: e.StartDate, Source: msg.Env.ID,
		Invited: events.Date(msg.Env.Time),
	}, m.cfg.Templates)
	if err != nil {
		return err
	}
	defer m.el.Lock(id)()
	return eventlog.Retry(func() error {
		m.el.RLock()
		_, exists := m.state.Plan(id)
		m.el.RUnlock()
		if exists {
			return nil
		}
		env, err := events.New(events.System, id, payload, m.cfg.Now())
		if err != nil {
			return fmt.Errorf("%w: %w", consumer.ErrPermanent, err)
		}
		return m.commit(ctx, env, 0)
	})
}

// onMentorship handles the mentorship events onboarding reacts to, in stream order (one
// consumer, so an ended pairing is never handled before its acceptance): an accepted
// mentor takes the hire's mentor-owned tasks (sitting with the lead until now); when the
// pairing ends, the open ones go back to the lead and the mentor loses the plan.
func (m *Main) onMentorship(ctx context.Context, msg *consumer.Msg) error {
	switch msg.Env.Type {
	case events.MentorshipAccepted{}.EventType():
		var e events.MentorshipAccepted
		if err := msg.Env.Payload(&e); err != nil {
			return err
		}
		return m.reassign(ctx, msg, e.Hire, func(p *onboarding.Plan) (events.TasksReassigned, bool) {
			return onboarding.DecideMentor(p, e.Mentor, msg.Env.ID)
		})
	case events.MentorshipEnded{}.EventType():
		var e events.MentorshipEnded
		if err := msg.Env.Payload(&e); err != nil {
			return err
		}
		return m.reassign(ctx, msg, e.Hire, func(p *onboarding.Plan) (events.TasksReassigned, bool) {
			return onboarding.DecideMentorEnded(p, e.Mentor, msg.Env.ID)
		})
	}
	return nil
}

// reassign appends what decide makes of the hire's plan. The plan records the mentorship
// event's id, so a redelivery changes nothing. A hire without a plan yet is retried (their
// hired event may still be on its way); after the consumer's attempts it is dead-lettered.
func (m *Main) reassign(ctx context.Context, msg *consumer.Msg, hire string, decide func(*onboarding.Plan) (events.TasksReassigned, bool)) error {
	id := events.PlanID(hire)
	defer m.el.Lock(id)()
	return eventlog.Retry(func() error {
		m.el.RLock()
		p, ok := m.state.Plan(id)
		var payload events.TasksReassigned
		var todo bool
		var seq uint64
		var problem string
		if ok {
			payload, todo = decide(p)
			seq, problem = p.Seq, p.Problem
		}
		m.el.RUnlock()
		switch {
		case !ok:
			return fmt.Errorf("no plan for hire %s yet", hire)
		case problem != "" || !todo:
			return nil
		}
		env, err := events.New(msg.Env.Actor, id, payload, m.cfg.Now())
		if err != nil {
			return fmt.Errorf("%w: %w", consumer.ErrPermanent, err)
		}
		return m.commit(ctx, env, seq)
	})
}
