package notify

import (
	"io"
	"maps"

	"onramp.dev/infra/eventlog/modelsnap"
)

type snapshot struct {
	People []*Recipient
	Mails  []*Mail
}

// Snapshot writes every recipient and mail; Restore loads such a snapshot into an empty
// state.
func (s *State) Snapshot(w io.Writer) error {
	return modelsnap.Save(w, snapshot{People: modelsnap.Values(s.people), Mails: modelsnap.Values(s.mails)})
}

// Restore loads a snapshot written by Snapshot.
func (s *State) Restore(r io.Reader) error {
	return modelsnap.Restore(r, func(snap snapshot) {
		modelsnap.Each(snap.People, s.LoadRecipient)
		modelsnap.Each(snap.Mails, s.LoadMail)
	})
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
	sw := modelsnap.NewWriter(w)
	if err := sw.Head(snap); err != nil {
		return err
	}
	return modelsnap.Chunks(sw, agendaChunk, maps.Values(a.items))
}

// Restore loads a snapshot written by Snapshot (also one written before items were
// chunked, which holds them in its head).
func (a *Agenda) Restore(r io.Reader) error {
	sr := modelsnap.NewReader(r)
	var snap agendaSnapshot
	if err := sr.Head(&snap); err != nil {
		return err
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	load := func(t Tracked) {
		t.share()
		a.items[t.Key] = &t
	}
	for _, t := range snap.Items {
		load(t)
	}
	if _, err := modelsnap.ReadChunks(sr, load); err != nil {
		return err
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
