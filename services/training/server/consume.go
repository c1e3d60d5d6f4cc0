package server

import (
	"context"
	"time"

	"onramp.dev/events"
	"onramp.dev/infra/consumer"
	"onramp.dev/infra/directory"
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

// reconcile makes every team and track assignment reach everyone now in its team or track.
// It catches the people a race left out: someone hired while the assignment was being
// made, or the rest of a very large assignment whose command failed half-way. Nothing
// has to be looked at again (everyone in the directory, for each rule, every minute) while
// neither the assignments nor the directory changed since a reconcile found nothing to do.
func (m *Main) reconcile(ctx context.Context) error {
	m.reconcileMu.Lock()
	defer m.reconcileMu.Unlock()
	at := [2]uint64{m.el.Applied(), m.dir.Applied()}
	if at == m.reconciled {
		return nil
	}
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
	if len(gaps) == 0 {
		m.reconciled = at
	}
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
