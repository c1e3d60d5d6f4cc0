package notify

import (
	"encoding/gob"
	"errors"
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
	Items []Tracked // before snapshots were chunked; now the items follow, in chunks
	Pairs []pairSnapshot
	Dues  map[string]string
}

type pairSnapshot struct {
	ID, Hire, Mentor, Last string
	Checkins               [][2]string // id, date
}

// agendaChunk is how many items a snapshot encodes at a time: gob holds each value it
// encodes whole in memory, and the agenda of 10,000 hires holds 400,000 tasks.
const agendaChunk = 5000

// Snapshot writes the agenda — pairs and dues, then the items in chunks; Restore loads
// such a snapshot into an empty agenda.
func (a *Agenda) Snapshot(w io.Writer) error {
	a.mu.RLock()
	defer a.mu.RUnlock()
	snap := agendaSnapshot{Dues: a.dues}
	for _, p := range a.pairs {
		ps := pairSnapshot{ID: p.ID, Hire: p.Hire, Mentor: p.Mentor, Last: p.Last}
		for _, c := range p.checkins {
			ps.Checkins = append(ps.Checkins, [2]string{c.id, c.date})
		}
		snap.Pairs = append(snap.Pairs, ps)
	}
	enc := gob.NewEncoder(w)
	if err := enc.Encode(snap); err != nil {
		return err
	}
	chunk := make([]*Tracked, 0, agendaChunk)
	for _, t := range a.items {
		if chunk = append(chunk, t); len(chunk) == agendaChunk {
			if err := enc.Encode(chunk); err != nil {
				return err
			}
			chunk = chunk[:0]
		}
	}
	if len(chunk) > 0 {
		return enc.Encode(chunk)
	}
	return nil
}

// Restore loads a snapshot written by Snapshot (also one written before items were
// chunked).
func (a *Agenda) Restore(r io.Reader) error {
	dec := gob.NewDecoder(r)
	var snap agendaSnapshot
	if err := dec.Decode(&snap); err != nil {
		return err
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	items := snap.Items
	for {
		for _, t := range items {
			t.share()
			a.items[t.Key] = &t
		}
		items = nil
		err := dec.Decode(&items)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return err
		}
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
