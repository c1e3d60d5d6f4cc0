// Package mentorship is the domain of Onramp's mentorship service: mentor profiles, the
// explained matching of mentors to hires, the mentorship lifecycle (proposed → accepted or
// declined → active → ended), check-ins and the participants' feedback. It holds the rules
// and the in-memory state built from mentorship events; it knows nothing of NATS, MongoDB
// or HTTP (see ./server).
package mentorship

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"
	"time"

	"onramp.dev/events"
)

// Profile is one person's mentor profile: a document keyed by the person id.
type Profile struct {
	ID          string    `bson:"_id"` // the person
	Seq         uint64    `bson:"seq"`
	State       string    `bson:"state"` // events.Profile*
	Skills      []string  `bson:"skills"`
	Capacity    int       `bson:"capacity"`
	Notes       string    `bson:"notes,omitempty"`
	NominatedBy string    `bson:"nominated_by,omitempty"`
	NominNote   string    `bson:"nomination_note,omitempty"`
	Updated     time.Time `bson:"updated"`
}

// DocID implements the store's document interface.
func (p Profile) DocID() string { return p.ID }

// Checkin is one logged check-in of a mentorship.
type Checkin struct {
	ID        string    `bson:"id"`
	Date      string    `bson:"date"`
	Notes     string    `bson:"notes"`
	NextSteps string    `bson:"next_steps,omitempty"`
	Skills    []string  `bson:"skills,omitempty"`
	By        string    `bson:"by"`
	At        time.Time `bson:"at"`
	Edited    time.Time `bson:"edited,omitempty"`
}

// Feedback is one participant's feedback after the end.
type Feedback struct {
	From   string    `bson:"from"`
	Rating int       `bson:"rating"`
	Text   string    `bson:"text,omitempty"`
	At     time.Time `bson:"at"`
}

// Pair is one mentorship with its check-ins and feedback: a document keyed by its id.
type Pair struct {
	ID            string     `bson:"_id"`
	Seq           uint64     `bson:"seq"`      // stream sequence of the last event about it
	PairSeq       uint64     `bson:"pair_seq"` // stream sequence of its last lifecycle event
	Hire          string     `bson:"hire"`
	Mentor        string     `bson:"mentor"`
	State         string     `bson:"state"` // events.Pair*
	ProposedBy    string     `bson:"proposed_by"`
	Reason        string     `bson:"reason,omitempty"`
	Override      string     `bson:"override,omitempty"`
	Score         int        `bson:"score"`
	Reasons       []string   `bson:"reasons,omitempty"`
	Proposed      time.Time  `bson:"proposed"`
	Accepted      time.Time  `bson:"accepted,omitempty"`
	Ended         time.Time  `bson:"ended,omitempty"`
	EndedBy       string     `bson:"ended_by,omitempty"`
	EndReason     string     `bson:"end_reason,omitempty"`
	DeclineReason string     `bson:"decline_reason,omitempty"`
	Checkins      []Checkin  `bson:"checkins"`
	Feedback      []Feedback `bson:"feedback"`
}

// DocID implements the store's document interface.
func (p Pair) DocID() string { return p.ID }

// Open reports whether the mentorship is proposed or active.
func (p *Pair) Open() bool { return p.State == events.PairProposed || p.State == events.PairActive }

// Copy returns a deep copy (for the projector's write outside the lock).
func (p *Pair) Copy() Pair {
	c := *p
	c.Reasons = slices.Clone(p.Reasons)
	c.Checkins = slices.Clone(p.Checkins)
	c.Feedback = slices.Clone(p.Feedback)
	return c
}

// Load counts a mentor's open mentorships.
type Load struct{ Active, Proposed int }

// Total is active plus proposed: the places taken.
func (l Load) Total() int { return l.Active + l.Proposed }

// State is the mentorship read model. It is not safe for concurrent use; the server
// guards it.
type State struct {
	profiles map[string]*Profile
	pairs    map[string]*Pair
	open     map[string]string         // hire → open mentorship id
	loads    map[string]Load           // mentor → open mentorships
	partners map[string]map[string]int // person → the people they are in active mentorships with → how many
	lastPair uint64                    // stream sequence of the last lifecycle event applied

	coverageOnce sync.Once
	coverage     *coverage // see coverage.go
}

// NewState returns an empty state.
func NewState() *State {
	return &State{profiles: map[string]*Profile{}, pairs: map[string]*Pair{}, open: map[string]string{}, loads: map[string]Load{},
		partners: map[string]map[string]int{}}
}

// LoadProfile adds a stored profile (at start).
func (s *State) LoadProfile(p Profile) { s.profiles[p.ID] = &p }

// LoadPair adds a stored mentorship (at start).
func (s *State) LoadPair(p Pair) {
	s.pairs[p.ID] = &p
	s.lastPair = max(s.lastPair, p.PairSeq)
	s.count(&p, +1)
}

func (s *State) count(p *Pair, d int) {
	l := s.loads[p.Mentor]
	switch p.State {
	case events.PairActive:
		l.Active += d
		s.partner(p.Hire, p.Mentor, d)
		s.partner(p.Mentor, p.Hire, d)
	case events.PairProposed:
		l.Proposed += d
	default:
		return
	}
	s.loads[p.Mentor] = l
	if d > 0 {
		s.open[p.Hire] = p.ID
	} else if s.open[p.Hire] == p.ID {
		delete(s.open, p.Hire)
	}
	s.relist(p.Hire)
}

// partner counts d more active mentorships between person and other.
func (s *State) partner(person, other string, d int) {
	m := s.partners[person]
	if m == nil {
		m = map[string]int{}
		s.partners[person] = m
	}
	if m[other] += d; m[other] <= 0 {
		delete(m, other)
		if len(m) == 0 {
			delete(s.partners, person)
		}
	}
}

func (s *State) setState(p *Pair, state string) {
	s.count(p, -1)
	p.State = state
	s.count(p, +1)
}

// Profile returns a person's mentor profile.
func (s *State) Profile(person string) (*Profile, bool) { p, ok := s.profiles[person]; return p, ok }

// Profiles calls f for every profile.
func (s *State) Profiles(f func(*Profile)) {
	for _, p := range s.profiles {
		f(p)
	}
}

// Pair returns a mentorship.
func (s *State) Pair(id string) (*Pair, bool) { p, ok := s.pairs[id]; return p, ok }

// Partners are the people person is in a mentorship with while it lasts (accepted, not yet
// ended): their mentor and their mentees, each once, sorted.
func (s *State) Partners(person string) []string {
	return slices.Sorted(maps.Keys(s.partners[person]))
}

// Pairs returns the mentorships keep admits, newest first.
func (s *State) Pairs(keep func(*Pair) bool) []*Pair {
	var out []*Pair
	for _, p := range s.pairs {
		if keep(p) {
			out = append(out, p)
		}
	}
	slices.SortFunc(out, func(a, b *Pair) int {
		if c := b.Proposed.Compare(a.Proposed); c != 0 {
			return c
		}
		return strings.Compare(a.ID, b.ID)
	})
	return out
}

// OpenFor returns the hire's open mentorship, if any.
func (s *State) OpenFor(hire string) (*Pair, bool) {
	id, ok := s.open[hire]
	if !ok {
		return nil, false
	}
	return s.Pair(id)
}

// LoadOf is a mentor's count of open mentorships.
func (s *State) LoadOf(mentor string) Load { return s.loads[mentor] }

// LastPair is the stream sequence of the last lifecycle event applied.
func (s *State) LastPair() uint64 { return s.lastPair }

// Apply folds one mentorship event stored at seq into the state and names the document it
// touched ("profile:<id>" or "pair:<id>"). Applying an event again changes nothing.
func (s *State) Apply(env events.Envelope, seq uint64) ([]string, error) {
	switch env.Type {
	case events.MentorProfileUpdated{}.EventType():
		var e events.MentorProfileUpdated
		if err := env.Payload(&e); err != nil {
			return nil, err
		}
		p := s.profile(env.Subject)
		if seq > p.Seq {
			p.Seq, p.State, p.Skills, p.Capacity, p.Notes, p.Updated = seq, e.State, slices.Clone(e.Skills), e.Capacity, e.Notes, env.Time
		}
		return []string{"profile:" + p.ID}, nil
	case events.MentorNominated{}.EventType():
		var e events.MentorNominated
		if err := env.Payload(&e); err != nil {
			return nil, err
		}
		p := s.profile(env.Subject)
		if seq > p.Seq {
			p.Seq, p.NominatedBy, p.NominNote = seq, env.Actor, e.Note
			if p.State == "" {
				p.State, p.Updated = events.ProfileNominated, env.Time
			}
		}
		return []string{"profile:" + p.ID}, nil
	case events.MentorshipProposed{}.EventType():
		var e events.MentorshipProposed
		if err := env.Payload(&e); err != nil {
			return nil, err
		}
		s.lastPair = max(s.lastPair, seq)
		if _, ok := s.pairs[env.Subject]; !ok {
			p := &Pair{ID: env.Subject, Seq: seq, PairSeq: seq, Hire: e.Hire, Mentor: e.Mentor, State: events.PairProposed, ProposedBy: env.Actor,
				Reason: e.Reason, Override: e.Override, Score: e.Score, Reasons: e.Reasons, Proposed: env.Time,
				Checkins: []Checkin{}, Feedback: []Feedback{}}
			s.pairs[p.ID] = p
			s.count(p, +1)
		}
		return []string{"pair:" + env.Subject}, nil
	case events.MentorshipAccepted{}.EventType():
		var e events.MentorshipAccepted
		p, err := s.pairEvent(env, seq, &e)
		if p != nil && p.State == events.PairProposed {
			s.setState(p, events.PairActive)
			p.Accepted = env.Time
		}
		return s.touched(env, err)
	case events.MentorshipDeclined{}.EventType():
		var e events.MentorshipDeclined
		p, err := s.pairEvent(env, seq, &e)
		if p != nil && p.State == events.PairProposed {
			s.setState(p, events.PairDeclined)
			p.DeclineReason, p.Ended = e.Reason, env.Time
		}
		return s.touched(env, err)
	case events.MentorshipEnded{}.EventType():
		var e events.MentorshipEnded
		p, err := s.pairEvent(env, seq, &e)
		if p != nil && p.Open() {
			s.setState(p, events.PairEnded)
			p.EndReason, p.EndedBy, p.Ended = e.Reason, env.Actor, env.Time
		}
		return s.touched(env, err)
	case events.CheckinLogged{}.EventType():
		var e events.CheckinLogged
		p, err := s.pairEvent(env, seq, &e)
		if p != nil && !slices.ContainsFunc(p.Checkins, func(c Checkin) bool { return c.ID == e.ID }) {
			p.Checkins = append(p.Checkins, Checkin{ID: e.ID, Date: e.Date, Notes: e.Notes, NextSteps: e.NextSteps,
				Skills: slices.Clone(e.Skills), By: env.Actor, At: env.Time})
		}
		return s.touched(env, err)
	case events.CheckinEdited{}.EventType():
		var e events.CheckinEdited
		p, err := s.pairEvent(env, seq, &e)
		if p != nil {
			if i := slices.IndexFunc(p.Checkins, func(c Checkin) bool { return c.ID == e.ID }); i >= 0 {
				c := &p.Checkins[i]
				c.Date, c.Notes, c.NextSteps, c.Skills, c.Edited = e.Date, e.Notes, e.NextSteps, slices.Clone(e.Skills), env.Time
			}
		}
		return s.touched(env, err)
	case events.FeedbackGiven{}.EventType():
		var e events.FeedbackGiven
		p, err := s.pairEvent(env, seq, &e)
		if p != nil && !slices.ContainsFunc(p.Feedback, func(f Feedback) bool { return f.From == e.From }) {
			p.Feedback = append(p.Feedback, Feedback{From: e.From, Rating: e.Rating, Text: e.Text, At: env.Time})
		}
		return s.touched(env, err)
	}
	return nil, fmt.Errorf("%w: mentorship does not know event type %s", events.ErrInvalid, env.Type)
}

func (s *State) profile(id string) *Profile {
	p, ok := s.profiles[id]
	if !ok {
		p = &Profile{ID: id}
		s.profiles[id] = p
	}
	return p
}

func (s *State) touched(env events.Envelope, err error) ([]string, error) {
	if err != nil {
		return nil, err
	}
	return []string{"pair:" + env.Subject}, nil
}

// pairEvent decodes an event about an existing mentorship and returns it if the event is
// new for it (nil if it was applied already).
func (s *State) pairEvent(env events.Envelope, seq uint64, pl events.Payload) (*Pair, error) {
	if err := env.Payload(pl); err != nil {
		return nil, err
	}
	if strings.HasPrefix(env.Type, "mentorship.pair.") {
		s.lastPair = max(s.lastPair, seq)
	}
	p, ok := s.pairs[env.Subject]
	if !ok {
		return nil, fmt.Errorf("%w: %s for unknown mentorship %s", events.ErrInvalid, env.Type, env.Subject)
	}
	if seq <= p.Seq {
		return nil, nil
	}
	p.Seq = seq
	if strings.HasPrefix(env.Type, "mentorship.pair.") {
		p.PairSeq = seq
	}
	return p, nil
}
