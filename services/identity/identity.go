// Package identity is the domain of Onramp's identity service: people, their roles, teams
// and credentials (State, folded from the IDENTITY stream, kept forever), and sign-in
// sessions (Sessions, folded from the SESSIONS stream, kept as long as a session may live).
// It holds the rules and the in-memory models built from those events; it knows nothing of
// NATS, MongoDB or HTTP (see ./server).
package identity

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"onramp.dev/content"
	"onramp.dev/events"
)

// Lifetimes.
const (
	AccessTTL = 15 * time.Minute // access tokens (JWT), and API sessions (never refreshed)
	// SessionIdle is how long a browser session lives after it was last used (signed in or
	// refreshed); SessionMaxAge how long it lives at most, however much it is used.
	SessionIdle   = 12 * time.Hour
	SessionMaxAge = events.SessionRetention
	LinkTTL       = 7 * 24 * time.Hour // set-password links
)

// Person is one member of staff: a document keyed by id in the people collection.
type Person struct {
	ID           string    `bson:"_id"`
	Seq          uint64    `bson:"seq"`       // stream sequence of the last event applied
	HiredSeq     uint64    `bson:"hired_seq"` // stream sequence of the hired event
	Email        string    `bson:"email"`
	Name         string    `bson:"name"`
	Roles        []string  `bson:"roles"`
	Team         string    `bson:"team"`
	Lead         string    `bson:"lead,omitempty"`
	Track        string    `bson:"track"`
	StartDate    string    `bson:"start_date"`
	Active       bool      `bson:"active"`
	Disabled     string    `bson:"disabled,omitempty"` // reason
	PasswordHash string    `bson:"password_hash,omitempty"`
	Link         *Link     `bson:"link,omitempty"`
	Hired        time.Time `bson:"hired"`
}

// Link is the person's outstanding set-password link (only its hash is kept).
type Link struct {
	TokenHash string    `bson:"token_hash"`
	ExpiresAt time.Time `bson:"expires_at"`
}

// DocID implements the store's document interface.
func (p Person) DocID() string { return p.ID }

// Has reports whether p holds any of roles.
func (p *Person) Has(roles ...string) bool {
	return slices.ContainsFunc(roles, func(r string) bool { return slices.Contains(p.Roles, r) })
}

// View is how the person is shown to other services.
func (p *Person) View() events.Person {
	return events.Person{
		ID: p.ID, Email: p.Email, Name: p.Name, Roles: slices.Clone(p.Roles), Team: p.Team, Lead: p.Lead,
		Track: p.Track, StartDate: p.StartDate, Active: p.Active, NeedsPassword: p.PasswordHash == "",
	}
}

// State is the people model: every person, built from the IDENTITY stream.
// It is not safe for concurrent use; the server guards it.
type State struct {
	people    map[string]*Person
	byEmail   map[string]string // email → person id
	byLink    map[string]string // link token hash → person id
	lastHired uint64            // stream sequence of the last hired event applied
	maxSeq    uint64

	// byName is every person's id sorted by name, then id, and byTeam the same per team,
	// rebuilt when someone joins (people are never removed, renamed or moved), so listing a
	// page never sorts the whole organisation and a team's list reads the team only.
	// Readers share the state, so they have their own lock. byRole is the same per role
	// (roles do not change either) and teams every team, sorted: HR's invite form offers
	// every team and the leads, which then cost the teams and the leads, not everyone.
	orderMu sync.Mutex
	byName  []string
	byTeam  map[string][]string
	byRole  map[string][]string
	teams   []string
}

// NewState returns an empty state.
func NewState() *State {
	return &State{
		people: map[string]*Person{}, byEmail: map[string]string{}, byLink: map[string]string{},
	}
}

// LoadPerson adds a stored person document (at start).
func (s *State) LoadPerson(p Person) {
	s.people[p.ID] = &p
	s.byEmail[p.Email] = p.ID
	if p.Link != nil {
		s.byLink[p.Link.TokenHash] = p.ID
	}
	s.lastHired = max(s.lastHired, p.HiredSeq)
	s.maxSeq = max(s.maxSeq, p.Seq)
}

// Person returns the person with id.
func (s *State) Person(id string) (*Person, bool) { p, ok := s.people[id]; return p, ok }

// PersonByEmail returns the person with that (lower-case) email.
func (s *State) PersonByEmail(email string) (*Person, bool) {
	id, ok := s.byEmail[email]
	if !ok {
		return nil, false
	}
	return s.Person(id)
}

// PersonByLink finds whose set-password link secret this is.
func (s *State) PersonByLink(secret string) (*Person, bool) {
	id, ok := s.byLink[Hash(secret)]
	if !ok {
		return nil, false
	}
	return s.Person(id)
}

// LastHired is the stream sequence of the last hired event applied (the expectation that
// makes an invite's email check safe across replicas).
func (s *State) LastHired() uint64 { return s.lastHired }

// MaxSeq is the highest stream sequence handled.
func (s *State) MaxSeq() uint64 { return s.maxSeq }

// People returns everyone the visible func admits, ordered by name.
func (s *State) People(visible func(*Person) bool) []*Person {
	return s.pick(s.sortedIDs(), visible)
}

// TeamPeople returns the people of team that visible admits, sorted by name, then id. It
// reads the team only.
func (s *State) TeamPeople(team string, visible func(*Person) bool) []*Person {
	s.sortedIDs()
	s.orderMu.Lock()
	ids := s.byTeam[team]
	s.orderMu.Unlock()
	return s.pick(ids, visible)
}

func (s *State) pick(ids []string, visible func(*Person) bool) []*Person {
	var out []*Person
	for _, id := range ids {
		if p := s.people[id]; visible(p) {
			out = append(out, p)
		}
	}
	return out
}

// Everyone returns every person's id sorted by name, then id (shared: do not modify), and
// the sort key of an id, for paging through everyone without filtering.
func (s *State) Everyone() ([]string, func(id string) string) {
	return s.sortedIDs(), func(id string) string { return s.people[id].SortKey() }
}

// SortKey is where p sorts in lists of people: by name, then id.
func (p *Person) SortKey() string { return p.Name + "\x00" + p.ID }

// sortedIDs returns every person's id sorted by name, then id.
func (s *State) sortedIDs() []string {
	s.orderMu.Lock()
	defer s.orderMu.Unlock()
	if len(s.byName) == len(s.people) {
		return s.byName
	}
	ids := make([]string, 0, len(s.people))
	for id := range s.people {
		ids = append(ids, id)
	}
	sort.Slice(ids, func(i, j int) bool {
		a, b := s.people[ids[i]], s.people[ids[j]]
		if a.Name != b.Name {
			return a.Name < b.Name
		}
		return a.ID < b.ID
	})
	byTeam, byRole := map[string][]string{}, map[string][]string{}
	for _, id := range ids {
		p := s.people[id]
		byTeam[p.Team] = append(byTeam[p.Team], id)
		for _, r := range p.Roles {
			byRole[r] = append(byRole[r], id)
		}
	}
	teams := make([]string, 0, len(byTeam))
	for t := range byTeam {
		teams = append(teams, t)
	}
	sort.Strings(teams)
	s.byName, s.byTeam, s.byRole, s.teams = ids, byTeam, byRole, teams
	return ids
}

// RolePeople returns the people with role that visible admits, sorted by name, then id.
// It reads the role's holders only.
func (s *State) RolePeople(role string, visible func(*Person) bool) []*Person {
	s.sortedIDs()
	s.orderMu.Lock()
	ids := s.byRole[role]
	s.orderMu.Unlock()
	return s.pick(ids, visible)
}

// Teams returns the ids of every team anyone is in, sorted (shared: do not modify).
func (s *State) Teams() []string {
	s.sortedIDs()
	s.orderMu.Lock()
	defer s.orderMu.Unlock()
	return s.teams
}

// Apply folds one IDENTITY event, stored at stream sequence seq, into the state. Applying
// an event again (same or lower sequence for its record) changes nothing. It returns the
// id of the person the event concerns, so the projector can write them ("" for none).
//
// Data dirs from before sessions had their own stream hold session events on IDENTITY:
// they are skipped (those sessions are gone; people sign in again).
func (s *State) Apply(env events.Envelope, seq uint64) (string, error) {
	s.maxSeq = max(s.maxSeq, seq)
	switch env.Type {
	case events.SessionStarted{}.EventType(), events.SessionRefreshed{}.EventType(), events.SessionEnded{}.EventType():
		return "", nil

	case events.StaffHired{}.EventType():
		var e events.StaffHired
		if err := env.Payload(&e); err != nil {
			return "", err
		}
		if _, ok := s.people[env.Subject]; ok {
			return env.Subject, nil
		}
		if other, ok := s.byEmail[e.Email]; ok && other != env.Subject {
			// Cannot happen through the service (the hired expectation forbids it); an
			// event appended around it is refused rather than merged.
			return "", fmt.Errorf("%w: email %s already belongs to %s", events.ErrInvalid, e.Email, other)
		}
		s.people[env.Subject] = &Person{
			ID: env.Subject, Seq: seq, HiredSeq: seq, Email: e.Email, Name: e.Name, Roles: e.Roles,
			Team: e.Team, Lead: e.Lead, Track: e.Track, StartDate: e.StartDate, Active: true, Hired: env.Time,
		}
		s.byEmail[e.Email] = env.Subject
		s.lastHired = max(s.lastHired, seq)
		return env.Subject, nil

	case events.StaffDisabled{}.EventType():
		var e events.StaffDisabled
		p, err := s.personEvent(env, seq, &e)
		if p == nil {
			return env.Subject, err
		}
		p.Active, p.Disabled = false, e.Reason
		s.dropLink(p)
		return p.ID, nil

	case events.StaffEnabled{}.EventType():
		var e events.StaffEnabled
		p, err := s.personEvent(env, seq, &e)
		if p == nil {
			return env.Subject, err
		}
		p.Active, p.Disabled = true, ""
		return p.ID, nil

	case events.LinkIssued{}.EventType():
		var e events.LinkIssued
		p, err := s.personEvent(env, seq, &e)
		if p == nil {
			return env.Subject, err
		}
		s.dropLink(p)
		p.Link = &Link{TokenHash: e.TokenHash, ExpiresAt: e.ExpiresAt}
		s.byLink[e.TokenHash] = p.ID
		return p.ID, nil

	case events.PasswordSet{}.EventType():
		var e events.PasswordSet
		p, err := s.personEvent(env, seq, &e)
		if p == nil {
			return env.Subject, err
		}
		p.PasswordHash = e.Hash
		s.dropLink(p)
		return p.ID, nil
	}
	return "", fmt.Errorf("%w: identity does not know event type %s", events.ErrInvalid, env.Type)
}

// personEvent decodes an event about an existing person and reports the person if the
// event is new for them (nil if it was applied already).
func (s *State) personEvent(env events.Envelope, seq uint64, p events.Payload) (*Person, error) {
	if err := env.Payload(p); err != nil {
		return nil, err
	}
	person, ok := s.people[env.Subject]
	if !ok {
		return nil, fmt.Errorf("%w: %s for unknown person %s", events.ErrInvalid, env.Type, env.Subject)
	}
	if seq <= person.Seq {
		return nil, nil
	}
	person.Seq = seq
	return person, nil
}

func (s *State) dropLink(p *Person) {
	if p.Link != nil {
		delete(s.byLink, p.Link.TokenHash)
		p.Link = nil
	}
}

// Hash is the hex SHA-256 of a secret (link or refresh token); only hashes are stored.
func Hash(secret string) string {
	h := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(h[:])
}

var teamID = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,62}$`)

// NormalizeEmail lower-cases and trims an address for lookups.
func NormalizeEmail(s string) string { return strings.ToLower(strings.TrimSpace(s)) }

// DecideInvite checks an invite against the state and returns the hired event's payload,
// or an *events.Error (CodeInvalid with fields, CodeConflict for a taken email).
func (s *State) DecideInvite(req events.InviteRequest, today time.Time) (events.StaffHired, error) {
	e := events.StaffHired{
		Email: NormalizeEmail(req.Email), Name: events.CleanText(req.Name), Roles: req.Roles,
		Team: strings.TrimSpace(strings.ToLower(req.Team)), Lead: strings.TrimSpace(req.Lead),
		Track: strings.TrimSpace(req.Track), StartDate: strings.TrimSpace(req.StartDate),
	}
	if len(e.Roles) == 0 {
		e.Roles = []string{events.RoleHire}
	}
	fields := map[string]string{}
	if err := e.Validate(); err != nil {
		// Reuse the contract's own checks for their fields, with friendlier words.
		msg := err.Error()
		for field, text := range map[string]string{
			"email": "Enter an e-mail address like name@example.org.",
			"name":  "Enter the person's name (up to 200 characters).",
			"roles": "Choose known roles.",
		} {
			if strings.Contains(msg, field+":") {
				fields[field] = text
			}
		}
	}
	if !teamID.MatchString(e.Team) {
		fields["team"] = "Enter a team id: lower-case letters, digits and hyphens, like platform-ops."
	}
	if !content.IsTrack(e.Track) {
		fields["track"] = "Choose one of the role tracks."
	}
	start, err := time.Parse(events.DateLayout, e.StartDate)
	switch {
	case err != nil:
		fields["start_date"] = "Enter the start date, " + events.DateExample + "."
	case start.Before(today.AddDate(-10, 0, 0)) || start.After(today.AddDate(2, 0, 0)):
		fields["start_date"] = "The start date must be within ten years before and two years after today."
	}
	if e.Lead != "" {
		lead, ok := s.people[e.Lead]
		switch {
		case !ok || !lead.Active || !lead.Has(events.RoleLead):
			fields["lead"] = "Choose an active person with the lead role."
		case lead.Team != e.Team:
			// A lead sees and manages the people of their own team: one rule everywhere.
			fields["lead"] = "Choose a lead of team " + e.Team + "; " + lead.Name + " leads " + lead.Team + "."
		}
	}
	if len(fields) > 0 {
		return e, &events.Error{Code: events.CodeInvalid, Message: "Some fields need attention.", Fields: fields}
	}
	if _, taken := s.byEmail[e.Email]; taken {
		return e, &events.Error{Code: events.CodeConflict, Message: "Someone with this e-mail address already exists.", Fields: map[string]string{"email": "Already in use."}}
	}
	return e, nil
}

// CanSee reports whether viewer may see person p: themselves; HR and admin everyone; a
// lead the people of their own team.
func CanSee(viewer, p *Person) bool {
	switch {
	case viewer.ID == p.ID, viewer.Has(events.ManagerRoles...):
		return true
	case viewer.Has(events.RoleLead):
		return p.Team == viewer.Team
	}
	return false
}

// CanSeeBasic reports whether viewer may see p's basic part — name, roles and team — where
// CanSee does not open the whole record: a person may see their own lead, and the hire and
// the mentor of a mentorship each other while it lasts. partner is whether they are in such
// a mentorship now: the mentorship is the mentorship service's fact, who may see whom is
// identity's rule.
func CanSeeBasic(viewer, p *Person, partner bool) bool {
	return (viewer.Lead != "" && viewer.Lead == p.ID) || partner
}

// Basic is the part of p that CanSeeBasic opens.
func (p *Person) Basic() events.Person {
	return events.Person{ID: p.ID, Name: p.Name, Roles: slices.Clone(p.Roles), Team: p.Team, Active: p.Active}
}

// CanList reports whether viewer may open the people list at all.
func CanList(viewer *Person) bool {
	return CanManage(viewer) || viewer.Has(events.RoleLead)
}

// CanManage reports whether viewer may invite, disable and issue links.
func CanManage(viewer *Person) bool { return viewer.Has(events.ManagerRoles...) }

// CanManagePerson reports whether viewer may act on p's account (issue a set-password link,
// disable, change): HR and admin may, but only an admin may act on someone who holds hr or
// admin — otherwise HR could take over an admin's account with a link of its own.
func CanManagePerson(viewer, p *Person) bool {
	if !CanManage(viewer) {
		return false
	}
	return !p.Has(events.ManagerRoles...) || viewer.Has(events.RoleAdmin)
}
