package onboarding

import (
	"bufio"
	"cmp"
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"
	"time"

	"onramp.dev/infra/eventlog/modelsnap"
)

// snapshotChunk is how many plans a snapshot encodes at a time: gob holds each value it
// encodes whole in memory, and every plan at once was 80 MB at 10,000 hires.
const snapshotChunk = 500

// snapshotMagic starts a snapshot in the compact format (version 2). Snapshots written
// before it are gob streams of PlanDocs — in chunks (version 1), or one list before that —
// and cannot start with it: their gob stream starts with a type definition, a message
// whose length is a byte ≥ 0x80, or a byte under it followed by the type's negative id (an
// odd byte) — and 'o' is under 0x80, 'n' even.
const snapshotMagic = "onboarding snapshot v2\n"

// The compact snapshot: after the magic, a head with every task text once, then chunks of
// plans. A task is its text's index, its assignee, its due day and what few tasks have; a
// chunk's repeated strings (teams, leads, tracks, start dates, assignees, history actors,
// types and details) are written once per chunk and referred to by index.
type (
	snapHead struct {
		Texts []TaskText
	}
	snapChunk struct {
		Strings []string // referred to as index+1; 0 is ""
		Plans   []snapPlan
	}
	snapPlan struct {
		ID, Hire, Name                       string
		Seq                                  uint64
		Team, Lead, Mentor, Track, StartDate uint32 // Strings
		TemplateVersion                      int
		Created                              time.Time
		Tasks                                []snapTask
		Completed                            bool
		CompletedAt                          time.Time
		Problem                              string
		Handled                              []string
		History                              []snapEntry
	}
	snapTask struct {
		Text     uint32 // the head's Texts
		Assignee uint32 // Strings
		Due      int32  // day
		Overdue  int32  // day (0: none; older snapshots have it in More)
		Done     bool
		More     *taskMore // nil: none
	}
	snapEntry struct {
		Seq                                   uint64
		Time                                  time.Time
		Actor, Type, Task, Detail, OnBehalfOf uint32 // Strings
	}
)

// Snapshot writes every plan in the compact format, in chunks; Restore loads it into an
// empty state.
func (s *State) Snapshot(w io.Writer) error {
	if _, err := io.WriteString(w, snapshotMagic); err != nil {
		return fmt.Errorf("onboarding: snapshot: %w", err)
	}
	sw := modelsnap.NewWriter(w)
	head := snapHead{Texts: make([]TaskText, 0, len(s.texts))}
	texts := make(map[*TaskText]uint32, len(s.texts))
	for _, t := range slices.SortedFunc(maps.Values(s.texts), compareTexts) {
		texts[t] = uint32(len(head.Texts))
		head.Texts = append(head.Texts, *t)
	}
	if err := sw.Head(head); err != nil {
		return err
	}
	// The plans in a fixed order, so the same model writes the same snapshot.
	ids := slices.Sorted(maps.Keys(s.plans))
	for from := 0; from < len(ids) || from == 0; from += snapshotChunk {
		var c snapChunk
		refs := map[string]uint32{}
		ref := func(v string) uint32 {
			if v == "" {
				return 0
			}
			r, ok := refs[v]
			if !ok {
				c.Strings = append(c.Strings, v)
				r = uint32(len(c.Strings))
				refs[v] = r
			}
			return r
		}
		for _, id := range ids[from:min(from+snapshotChunk, len(ids))] {
			p := s.plans[id]
			sp := snapPlan{ID: p.ID, Hire: p.Hire, Name: p.Name, Seq: p.Seq, Team: ref(p.Team), Lead: ref(p.Lead), Mentor: ref(p.Mentor),
				Track: ref(p.Track), StartDate: ref(p.StartDate), TemplateVersion: p.TemplateVersion, Created: p.Created,
				Tasks: make([]snapTask, len(p.Tasks)), Completed: p.Completed, CompletedAt: p.CompletedAt, Problem: p.Problem,
				Handled: p.Handled, History: make([]snapEntry, 0, p.History.Len())}
			for i, t := range p.Tasks {
				text, ok := texts[t.TaskText]
				if !ok { // every text is made by s.text
					return fmt.Errorf("onboarding: snapshot: task %s of %s has a text the state does not hold", t.ID, p.ID)
				}
				sp.Tasks[i] = snapTask{Text: text, Assignee: ref(t.Assignee()), Due: int32(t.due), Overdue: int32(t.overdue), Done: t.Done, More: t.more}
			}
			p.History.each(func(x packed) { // the packed entries, not a copy of them as documents
				w := historyWords.words(x.words)
				sp.History = append(sp.History, snapEntry{Seq: x.seq, Time: x.time(), Actor: ref(w[0]), Type: ref(w[1]), Task: ref(w[2]),
					Detail: ref(w[3]), OnBehalfOf: ref(w[4])})
			})
			c.Plans = append(c.Plans, sp)
		}
		if err := sw.Head(c); err != nil {
			return err
		}
	}
	return nil
}

func compareTexts(a, b *TaskText) int {
	return cmp.Or(cmp.Compare(a.ID, b.ID), cmp.Compare(a.Owner, b.Owner), cmp.Compare(a.Title, b.Title), cmp.Compare(a.Description, b.Description),
		cmp.Compare(a.Section, b.Section), cmp.Compare(a.Module, b.Module), compareBools(a.NeedsEvidence, b.NeedsEvidence))
}

func compareBools(a, b bool) int {
	switch {
	case a == b:
		return 0
	case a:
		return 1
	}
	return -1
}

// Restore loads a snapshot written by Snapshot, or by an earlier version: chunks of
// PlanDocs, or before chunks one list of them.
func (s *State) Restore(r io.Reader) error {
	br := bufio.NewReader(r)
	if magic, err := br.Peek(len(snapshotMagic)); err == nil && string(magic) == snapshotMagic {
		_, _ = br.Discard(len(snapshotMagic))
		return s.restore(modelsnap.NewReader(br))
	}
	n, err := modelsnap.ReadChunks(modelsnap.NewReader(br), s.Load)
	if err == nil && n == 0 {
		return io.ErrUnexpectedEOF
	}
	return err
}

// restore reads the compact format after its magic.
func (s *State) restore(r *modelsnap.Reader) error {
	var head snapHead
	if err := r.Head(&head); err != nil {
		return err
	}
	texts := make([]*TaskText, len(head.Texts))
	for i, t := range head.Texts {
		texts[i] = s.text(t)
	}
	var strs []string
	for n := 0; ; n++ {
		var c snapChunk
		if err := r.Head(&c); errors.Is(err, io.EOF) {
			if n == 0 {
				return io.ErrUnexpectedEOF
			}
			return nil
		} else if err != nil {
			return fmt.Errorf("onboarding: restore chunk %d: %w", n, err)
		}
		strs = append(strs[:0], "")
		for _, v := range c.Strings {
			strs = append(strs, shared(v))
		}
		for _, sp := range c.Plans {
			p, err := planFrom(sp, texts, strs)
			if err != nil {
				return err
			}
			s.put(p)
		}
	}
}

// planFrom makes the plan a snapshot holds, from its chunk's strings.
func planFrom(sp snapPlan, texts []*TaskText, strs []string) (*Plan, error) {
	p := &Plan{ID: sp.ID, Seq: sp.Seq, Hire: sp.Hire, Name: sp.Name, TemplateVersion: sp.TemplateVersion, Created: sp.Created,
		Tasks: make([]Task, len(sp.Tasks)), Completed: sp.Completed, CompletedAt: sp.CompletedAt, Problem: sp.Problem,
		Handled: sp.Handled}
	bad := false
	get := func(i uint32) string {
		if int(i) >= len(strs) {
			bad = true
			return ""
		}
		return strs[i]
	}
	p.Team, p.Lead, p.Mentor, p.Track, p.StartDate = get(sp.Team), get(sp.Lead), get(sp.Mentor), get(sp.Track), get(sp.StartDate)
	for i, t := range sp.Tasks {
		if int(t.Text) >= len(texts) {
			return nil, fmt.Errorf("onboarding: restore %s: task text %d of %d", sp.ID, t.Text, len(texts))
		}
		p.Tasks[i] = Task{TaskText: texts[t.Text], assignee: handle(get(t.Assignee)), due: day(t.Due), overdue: day(t.Overdue), Done: t.Done}
		if t.More != nil {
			m := *t.More
			m.DoneBy, m.OnBehalfOf = shared(m.DoneBy), shared(m.OnBehalfOf)
			p.Tasks[i].more = &m
			if m.OverdueSent != "" { // written before the date moved into the task
				p.Tasks[i].setOverdueSent(m.OverdueSent)
			}
		}
	}
	for _, e := range sp.History {
		p.History.add(Entry{Seq: e.Seq, Time: e.Time, Actor: get(e.Actor), Type: get(e.Type), Task: get(e.Task),
			Detail: get(e.Detail), OnBehalfOf: get(e.OnBehalfOf)})
	}
	if bad {
		return nil, fmt.Errorf("onboarding: restore %s: a string beyond its chunk's %d", sp.ID, len(strs)-1)
	}
	return p, nil
}
