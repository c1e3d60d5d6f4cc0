package notify

import (
	"encoding/gob"
	"io"
)

type snapshot struct {
	People []*Recipient
	Mails  []*Mail
}

// Snapshot writes every recipient and mail; Restore loads such a snapshot into an empty
// state.
func (s *State) Snapshot(w io.Writer) error {
	var snap snapshot
	for _, r := range s.people {
		snap.People = append(snap.People, r)
	}
	for _, m := range s.mails {
		snap.Mails = append(snap.Mails, m)
	}
	return gob.NewEncoder(w).Encode(snap)
}

// Restore loads a snapshot written by Snapshot.
func (s *State) Restore(r io.Reader) error {
	var snap snapshot
	if err := gob.NewDecoder(r).Decode(&snap); err != nil {
		return err
	}
	for _, p := range snap.People {
		s.LoadRecipient(*p)
	}
	for _, m := range snap.Mails {
		s.LoadMail(*m)
	}
	return nil
}

type agendaSnapshot struct {
	Items []Tracked
	Pairs []pairSnapshot
	Dues  map[string]string
}

type pairSnapshot struct {
	ID, Hire, Mentor, Last string
	Checkins               [][2]string // id, date
}

// Snapshot writes the agenda; Restore loads such a snapshot into an empty agenda.
func (a *Agenda) Snapshot(w io.Writer) error {
	a.mu.RLock()
	snap := agendaSnapshot{Dues: a.dues}
	for _, t := range a.items {
		snap.Items = append(snap.Items, *t)
	}
	for _, p := range a.pairs {
		ps := pairSnapshot{ID: p.ID, Hire: p.Hire, Mentor: p.Mentor, Last: p.Last}
		for _, c := range p.checkins {
			ps.Checkins = append(ps.Checkins, [2]string{c.id, c.date})
		}
		snap.Pairs = append(snap.Pairs, ps)
	}
	err := gob.NewEncoder(w).Encode(snap)
	a.mu.RUnlock()
	return err
}

// Restore loads a snapshot written by Snapshot.
func (a *Agenda) Restore(r io.Reader) error {
	var snap agendaSnapshot
	if err := gob.NewDecoder(r).Decode(&snap); err != nil {
		return err
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	for _, t := range snap.Items {
		t.share()
		a.items[t.Key] = &t
	}
	for _, ps := range snap.Pairs {
		p := &Pair{ID: ps.ID, Hire: ps.Hire, Mentor: ps.Mentor, Last: ps.Last}
		for _, c := range ps.Checkins {
			p.checkins = append(p.checkins, checkin{id: c[0], date: c[1]})
		}
		a.pairs[p.ID] = p
	}
	for k, v := range snap.Dues {
		a.dues[k] = v
	}
	return nil
}
