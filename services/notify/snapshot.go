package notify

import (
	"cmp"
	"fmt"
	"io"
	"slices"
	"strings"

	"onramp.dev/infra/eventlog/modelsnap"
)

type snapshot struct {
	People []*Recipient
	Mails  []*Mail
	Recent []string // State.recent (absent before: filled from Mails)
}

// Snapshot writes every recipient and mail; Restore loads such a snapshot into an empty
// state.
func (s *State) Snapshot(w io.Writer) error {
	return modelsnap.Save(w, snapshot{People: modelsnap.Values(s.people), Mails: modelsnap.Values(s.mails), Recent: s.recent})
}

// Restore loads a snapshot written by Snapshot.
func (s *State) Restore(r io.Reader) error {
	return modelsnap.Restore(r, func(snap snapshot) {
		modelsnap.Each(snap.People, s.LoadRecipient)
		modelsnap.Each(snap.Mails, s.LoadMail)
		s.recent = snap.Recent
		if s.recent == nil { // written before the state named its newest mails
			mails := modelsnap.Values(s.mails)
			slices.SortFunc(mails, func(a, b *Mail) int { return cmp.Or(a.Created.Compare(b.Created), strings.Compare(a.ID, b.ID)) })
			for _, m := range mails[max(0, len(mails)-RecentMails):] {
				s.recent = append(s.recent, m.ID)
			}
		}
	})
}

// agendaFormat is how an agenda snapshot holds its items (agendaSnapshot.Format):
//   - 0, the field absent: as Tracked values, whole — in the head in the first snapshots,
//     then in chunks after it;
//   - 2: the agenda's words in the head, then its groups in chunks (agendaGroup), their
//     items numbers into the words.
const agendaFormat = 2

type agendaSnapshot struct {
	Format int
	Words  []string  // format 2: the words that groups and items refer to by number
	Items  []Tracked // format 0, before snapshots were chunked
	Pairs  []pairSnapshot
	Dues   map[string]string
}

type pairSnapshot struct {
	ID, Hire, Mentor, Last string
	Checkins               [][2]string // id, date
}

// agendaGroup is a group as a format 2 snapshot holds it.
type agendaGroup struct {
	Kind          kind
	Subject, Hire word
	Items         []item
}

// agendaChunk is how many groups a snapshot encodes at a time (a plan has some 40 tasks):
// gob holds each value it encodes whole in memory, and the agenda of 10,000 hires holds
// 450,000 items.
const agendaChunk = 128

// Snapshot writes the agenda — its words, pairs and dues, then its groups in chunks;
// Restore loads such a snapshot into an empty agenda.
func (a *Agenda) Snapshot(w io.Writer) error {
	a.mu.RLock()
	defer a.mu.RUnlock()
	snap := agendaSnapshot{Format: agendaFormat, Words: a.words.list, Dues: a.dues}
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
	return modelsnap.Chunks(sw, agendaChunk, func(yield func(agendaGroup) bool) {
		for key, g := range a.groups {
			if !yield(agendaGroup{Kind: key.kind, Subject: key.subject, Hire: g.hire, Items: g.items}) {
				return
			}
		}
	})
}

// Restore loads a snapshot written by Snapshot, or by the agenda before it grouped its
// items (format 0, chunked or not).
func (a *Agenda) Restore(r io.Reader) error {
	sr := modelsnap.NewReader(r)
	var snap agendaSnapshot
	if err := sr.Head(&snap); err != nil {
		return err
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	var err error
	switch snap.Format {
	case 0:
		err = a.restoreTracked(sr, snap.Items)
	case agendaFormat:
		err = a.restoreGroups(sr, snap.Words)
	default:
		err = fmt.Errorf("notify: agenda snapshot of unknown format %d", snap.Format)
	}
	if err != nil {
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

// restoreGroups reads format 2's groups. Only the words they use join the agenda's.
func (a *Agenda) restoreGroups(sr *modelsnap.Reader, list []string) error {
	const unseen = ^word(0)
	to := make([]word, len(list))
	for i := range to {
		to[i] = unseen
	}
	var bad error
	tr := func(x *word) {
		switch {
		case int(*x) >= len(list):
			bad = cmp.Or(bad, fmt.Errorf("notify: agenda snapshot: word %d of %d", *x, len(list)))
		case to[*x] == unseen:
			to[*x] = a.words.of(list[*x])
			fallthrough
		default:
			*x = to[*x]
		}
	}
	_, err := modelsnap.ReadChunks(sr, func(g agendaGroup) {
		if g.Kind >= kinds {
			bad = cmp.Or(bad, fmt.Errorf("notify: agenda snapshot: group of unknown kind %d", g.Kind))
			return
		}
		tr(&g.Subject)
		tr(&g.Hire)
		for i := range g.Items {
			it := &g.Items[i]
			tr(&it.ID)
			tr(&it.Title)
			tr(&it.Owner)
			tr(&it.Due)
		}
		if bad == nil {
			a.groups[groupKey{g.Kind, g.Subject}] = &group{hire: g.Hire, items: g.Items}
		}
	})
	return cmp.Or(err, bad)
}

// restoreTracked reads format 0's items: those in the head, then the chunks.
func (a *Agenda) restoreTracked(sr *modelsnap.Reader, head []Tracked) error {
	var bad error
	load := func(t Tracked) { bad = cmp.Or(bad, a.loadTracked(t)) }
	for _, t := range head {
		load(t)
	}
	if _, err := modelsnap.ReadChunks(sr, load); err != nil {
		return err
	}
	for _, g := range a.groups {
		if cap(g.items) > len(g.items) {
			g.items = slices.Clone(g.items)
		}
	}
	return bad
}

// loadTracked adds a format 0 item: its key names its kind, its link the plan (tasks),
// its hire the person (training, certifications), and the rest of its key the id.
func (a *Agenda) loadTracked(t Tracked) error {
	for k, prefix := range kindPrefix {
		rest, ok := strings.CutPrefix(t.Key, prefix)
		if !ok {
			continue
		}
		subject := t.Hire
		if kind(k) == kindTask {
			subject = strings.TrimPrefix(t.Link, "/onboarding/plans/")
		}
		id, ok := strings.CutPrefix(rest, subject+":")
		if !ok {
			return fmt.Errorf("notify: agenda snapshot: item %q is not about %q", t.Key, subject)
		}
		g := a.groupOf(kind(k), subject, t.Hire)
		g.items = append(g.items, item{ID: a.words.of(id), Title: a.words.of(t.Title), Owner: a.words.of(t.Owner),
			Due: a.words.of(t.Due), State: uint32(t.Version)<<1 | b2u(t.Done)})
		return nil
	}
	return fmt.Errorf("notify: agenda snapshot: item %q of unknown kind", t.Key)
}
