// Package skills is the domain of Onramp's skills service: each person's skill record
// (self-assessments, verifications, training evidence, certifications, each with who, when
// and why), the rules that turn that history into a standing level, gap analysis against
// role profiles and the HR reports. It holds the in-memory state built from skills events
// and knows nothing of NATS, MongoDB or HTTP (see ./server).
//
// Level rules (also in the README):
//   - The latest verification (by the person's lead or HR) stands, whatever else happened.
//   - Without a verification, the highest evidence stands: training evidence at the
//     module's level, or a certification's level while it is valid.
//   - Without either, the person's own latest self-assessment stands (source "self").
//   - Anything higher than the standing level — a self-assessment or evidence above it — is
//     shown as "claimed" until someone verifies it.
package skills

import (
	"fmt"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	catalogue "onramp.dev/content/skills"
	"onramp.dev/content/training"
	"onramp.dev/events"
)

// ExpiringWindow is how far ahead certifications count as expiring.
const ExpiringWindow = 90 * 24 * time.Hour

// Entry is one change to one skill of a record.
type Entry struct {
	Seq    uint64    `bson:"seq"`
	Time   time.Time `bson:"time"`
	Actor  string    `bson:"actor"`
	Source string    `bson:"source"` // events.Source*
	Level  int       `bson:"level"`
	Note   string    `bson:"note,omitempty"`
	Module string    `bson:"module,omitempty"`
	Event  string    `bson:"event"`
}

// Record is the history of one skill of one person.
type Record struct {
	Skill   string  `bson:"skill"`
	History []Entry `bson:"history"`
}

// Cert is a recorded certification.
type Cert struct {
	ID         string    `bson:"id"`
	Name       string    `bson:"name"`
	Issuer     string    `bson:"issuer"`
	Issued     string    `bson:"issued"`
	Expires    string    `bson:"expires,omitempty"`
	Skill      string    `bson:"skill,omitempty"`
	Level      int       `bson:"level,omitempty"`
	Added      time.Time `bson:"added"`
	AddedBy    string    `bson:"added_by"`
	Seq        uint64    `bson:"seq"`
	ExpiredSeq uint64    `bson:"expired_seq,omitempty"` // the expiry event, once published
}

// Doc is one person's whole skill record: the document "skills-<person>".
type Doc struct {
	ID      string   `bson:"_id"`
	Person  string   `bson:"person"`
	Seq     uint64   `bson:"seq"` // stream sequence of the last event applied
	Records []Record `bson:"records"`
	Certs   []Cert   `bson:"certs"`
	// Handled holds the ids of training events already turned into evidence, so a
	// redelivered event changes nothing (kept in the same document as the effect).
	Handled []string `bson:"handled"`
	// Stated: every skill's standing has been published in the record's events, so readers
	// of the stream know it without the level rules (see Restate).
	Stated bool `bson:"stated,omitempty"`
}

// DocID implements the store's document interface.
func (d Doc) DocID() string { return d.ID }

// DocIDFor is the document id of a person's record.
func DocIDFor(person string) string { return "skills-" + person }

func (d *Doc) record(skill string) *Record {
	for i := range d.Records {
		if d.Records[i].Skill == skill {
			return &d.Records[i]
		}
	}
	return nil
}

// Import is one framework import: a document keyed by the import id.
type Import struct {
	ID     string                 `bson:"_id"`
	Seq    uint64                 `bson:"seq"`
	File   string                 `bson:"file"`
	Actor  string                 `bson:"actor"`
	Time   time.Time              `bson:"time"`
	Skills []events.ImportedSkill `bson:"skills"`
}

func (i Import) DocID() string { return i.ID }

// Person is what the domain needs to know about someone (from the directory).
type Person struct {
	ID, Name, Team, Track, StartDate string
	Roles                            []string
}

// Seniority picks the role profile for a person at a date: anyone with the lead role uses
// the lead profile; otherwise people who started less than two years before the date are
// junior and everyone else senior (an unknown start date counts as junior).
func Seniority(p Person, at time.Time) string {
	if slices.Contains(p.Roles, events.RoleLead) {
		return "lead"
	}
	start, err := time.Parse(events.DateLayout, p.StartDate)
	if err != nil || start.After(at.AddDate(-2, 0, 0)) {
		return "junior"
	}
	return "senior"
}

// State is the skills read model. It is not safe for concurrent use; the server guards it.
type State struct {
	base    *catalogue.Catalogue
	imports []*Import
	skills  []catalogue.Skill
	byID    map[string]int
	modules map[string][]events.SkillModuleRef // skill → modules evidencing it, by level
	docs    map[string]*Doc                    // by person id

	expiringOnce sync.Once
	expiring     *expiring // see expiring.go
}

// NewState builds an empty state on the shipped catalogue and training modules.
func NewState(base *catalogue.Catalogue, mods []training.Module) *State {
	s := &State{base: base, docs: map[string]*Doc{}, modules: map[string][]events.SkillModuleRef{}}
	for _, m := range mods {
		for _, sk := range m.Skills {
			s.modules[sk.Skill] = append(s.modules[sk.Skill], events.SkillModuleRef{ID: m.ID, Title: m.Title, Level: sk.Level})
		}
	}
	for k := range s.modules {
		slices.SortFunc(s.modules[k], func(a, b events.SkillModuleRef) int {
			if a.Level != b.Level {
				return a.Level - b.Level
			}
			return strings.Compare(a.ID, b.ID)
		})
	}
	s.rebuild()
	return s
}

// rebuild recomputes the effective catalogue: the shipped skills, then each import in
// stream order (an imported id that exists replaces the entry).
func (s *State) rebuild() {
	s.skills = slices.Clone(s.base.Skills)
	s.byID = make(map[string]int, len(s.skills))
	for i, sk := range s.skills {
		s.byID[sk.ID] = i
	}
	sort.Slice(s.imports, func(i, j int) bool { return s.imports[i].Seq < s.imports[j].Seq })
	for _, imp := range s.imports {
		for _, in := range imp.Skills {
			sk := catalogue.Skill{ID: in.ID, Name: in.Name, Category: in.Category, Description: in.Description, MinLevel: in.MinLevel, MaxLevel: in.MaxLevel}
			if i, ok := s.byID[in.ID]; ok {
				s.skills[i] = sk
			} else {
				s.byID[in.ID] = len(s.skills)
				s.skills = append(s.skills, sk)
			}
		}
	}
}

// LoadDoc adds a stored record (at start).
func (s *State) LoadDoc(d Doc) {
	s.docs[d.Person] = &d
	s.reindex(d.Person)
}

// LoadImport adds a stored import (at start).
func (s *State) LoadImport(i Import) {
	s.imports = append(s.imports, &i)
	s.rebuild()
}

// Skills is the effective catalogue.
func (s *State) Skills() []catalogue.Skill { return s.skills }

// Skill looks up a skill of the effective catalogue.
func (s *State) Skill(id string) (catalogue.Skill, bool) {
	i, ok := s.byID[id]
	if !ok {
		return catalogue.Skill{}, false
	}
	return s.skills[i], true
}

// Doc returns a person's record, if they have one.
func (s *State) Doc(person string) (*Doc, bool) { d, ok := s.docs[person]; return d, ok }

// Docs calls f for every record.
func (s *State) Docs(f func(*Doc)) {
	for _, d := range s.docs {
		f(d)
	}
}

// Import returns an import by id.
func (s *State) Import(id string) (*Import, bool) {
	for _, i := range s.imports {
		if i.ID == id {
			return i, true
		}
	}
	return nil, false
}

// LastImportSeq is the stream sequence of the newest import applied.
func (s *State) LastImportSeq() uint64 {
	var last uint64
	for _, i := range s.imports {
		last = max(last, i.Seq)
	}
	return last
}

// Profile returns the role profile of a person at a date.
func (s *State) Profile(p Person, at time.Time) (catalogue.Profile, bool) {
	return s.base.Profile(p.Track, Seniority(p, at))
}

// Modules lists the training modules that evidence a skill, by level.
func (s *State) Modules(skill string) []events.SkillModuleRef { return s.modules[skill] }

// Apply folds one skills event stored at seq into the state and names the document it
// touched ("record:<person>" or "import:<id>"). Applying it again changes nothing.
func (s *State) Apply(env events.Envelope, seq uint64) (string, error) {
	if env.Type == (events.FrameworkImported{}).EventType() {
		var e events.FrameworkImported
		if err := env.Payload(&e); err != nil {
			return "", err
		}
		id := "import:" + env.Subject
		if _, ok := s.Import(env.Subject); ok {
			return id, nil
		}
		s.imports = append(s.imports, &Import{ID: env.Subject, Seq: seq, File: e.File, Actor: env.Actor, Time: env.Time, Skills: e.Skills})
		s.rebuild()
		return id, nil
	}
	if env.Type == (events.CatalogueChanged{}).EventType() {
		// An announcement of the effective catalogue, which the imports already hold.
		var e events.CatalogueChanged
		return "catalogue:" + env.Subject, env.Payload(&e)
	}
	if !strings.HasPrefix(env.Type, "skills.record.") {
		return "", fmt.Errorf("%w: skills does not know event type %s", events.ErrInvalid, env.Type)
	}
	id := "record:" + env.Subject
	d, ok := s.docs[env.Subject]
	if !ok {
		d = &Doc{ID: DocIDFor(env.Subject), Person: env.Subject}
	}
	if ok && seq <= d.Seq {
		return id, nil
	}
	if err := d.apply(env, seq); err != nil {
		return "", err
	}
	s.docs[env.Subject] = d
	if env.Type == (events.CertificationAdded{}).EventType() {
		s.reindex(env.Subject)
	}
	return id, nil
}

// apply folds one record event stored at seq into the record.
func (d *Doc) apply(env events.Envelope, seq uint64) error {
	entry := Entry{Seq: seq, Time: env.Time, Actor: env.Actor, Event: env.ID}
	add := func(skill string, e Entry) {
		r := d.record(skill)
		if r == nil {
			d.Records = append(d.Records, Record{Skill: skill})
			r = &d.Records[len(d.Records)-1]
		}
		r.History = append(r.History, e)
	}
	var standing []events.SkillStanding
	switch env.Type {
	case events.SkillAssessed{}.EventType():
		var e events.SkillAssessed
		if err := env.Payload(&e); err != nil {
			return err
		}
		entry.Source, entry.Level, entry.Note = events.SourceSelf, e.Level, e.Note
		add(e.Skill, entry)
		standing = e.Standing
	case events.SkillVerified{}.EventType():
		var e events.SkillVerified
		if err := env.Payload(&e); err != nil {
			return err
		}
		entry.Source, entry.Level, entry.Note = events.SourceVerified, e.Level, e.Note
		add(e.Skill, entry)
		standing = e.Standing
	case events.SkillsEvidenced{}.EventType():
		var e events.SkillsEvidenced
		if err := env.Payload(&e); err != nil {
			return err
		}
		if !slices.Contains(d.Handled, e.SourceEvent) {
			for _, sl := range e.Skills {
				x := entry
				x.Source, x.Level, x.Module = events.SourceTraining, sl.Level, e.Module
				x.Note = fmt.Sprintf("passed %s with %d%%", nonEmpty(e.Title, e.Module), e.Score)
				add(sl.Skill, x)
			}
			d.Handled = append(d.Handled, e.SourceEvent)
		}
		standing = e.Standing
	case events.CertificationAdded{}.EventType():
		var e events.CertificationAdded
		if err := env.Payload(&e); err != nil {
			return err
		}
		if !slices.ContainsFunc(d.Certs, func(c Cert) bool { return c.ID == e.ID }) {
			d.Certs = append(d.Certs, Cert{ID: e.ID, Name: e.Name, Issuer: e.Issuer, Issued: e.Issued, Expires: e.Expires,
				Skill: e.Skill, Level: e.Level, Added: env.Time, AddedBy: env.Actor, Seq: seq})
		}
		standing = e.Standing
	case events.CertificationExpired{}.EventType():
		var e events.CertificationExpired
		if err := env.Payload(&e); err != nil {
			return err
		}
		for i := range d.Certs {
			if d.Certs[i].ID == e.ID && d.Certs[i].ExpiredSeq == 0 {
				d.Certs[i].ExpiredSeq = seq
			}
		}
		standing = e.Standing
	case events.SkillStandingRestated{}.EventType():
		d.Stated = true
	default:
		return fmt.Errorf("%w: skills does not know event type %s", events.ErrInvalid, env.Type)
	}
	// A record whose first event carries its standing has published the standing of every
	// skill it holds; one with older history needs it restated once (Restate).
	if d.Seq == 0 && standing != nil {
		d.Stated = true
	}
	d.Seq = seq
	return nil
}

func nonEmpty(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// Standing is a skill's level at a moment, by the level rules.
type Standing struct {
	Level   int
	Source  string
	Claimed int // 0: nothing claimed above Level
	History []Entry
}

// EndOfDay is the last instant of a calendar date (UTC): "as of 2026-03-01" includes the
// whole of that day.
func EndOfDay(date time.Time) time.Time {
	y, m, d := date.UTC().Date()
	return time.Date(y, m, d, 23, 59, 59, 999999999, time.UTC)
}

// CertValid reports whether c evidences anything at moment at: recorded by then, issued
// on or before that day and not yet past its expiry date.
func CertValid(c Cert, at time.Time) bool {
	day := events.Date(at)
	return !c.Added.After(at) && c.Issued <= day && (c.Expires == "" || day <= c.Expires)
}

// Standing computes one skill's standing at moment at from the history recorded by then.
func (d *Doc) Standing(skill string, at time.Time) Standing {
	var st Standing
	var verified, self, trained, certified int
	var hasVerified bool
	if r := d.record(skill); r != nil {
		for _, e := range r.History {
			if e.Time.After(at) {
				continue
			}
			st.History = append(st.History, e)
			switch e.Source {
			case events.SourceVerified:
				verified, hasVerified = e.Level, true
			case events.SourceSelf:
				self = e.Level
			case events.SourceTraining:
				trained = max(trained, e.Level)
			}
		}
	}
	for _, c := range d.Certs {
		if c.Skill != skill || !CertValid(c, at) {
			continue
		}
		if c.AddedBy == d.Person {
			// A certification people record for themselves is their claim until their
			// lead or HR verifies the level.
			self = max(self, c.Level)
			continue
		}
		certified = max(certified, c.Level)
	}
	evidence, evSource := trained, events.SourceTraining
	if certified > trained {
		evidence, evSource = certified, events.SourceCertification
	}
	switch {
	case hasVerified:
		st.Level, st.Source = verified, events.SourceVerified
		if c := max(self, evidence); c > verified {
			st.Claimed = c
		}
	case evidence > 0:
		st.Level, st.Source = evidence, evSource
		if self > evidence {
			st.Claimed = self
		}
	case self > 0:
		st.Level, st.Source = self, events.SourceSelf
	}
	return st
}

// Skills lists the skills the record has any history for.
func (d *Doc) SkillIDs() []string {
	out := make([]string, 0, len(d.Records)+len(d.Certs))
	for _, r := range d.Records {
		out = append(out, r.Skill)
	}
	for _, c := range d.Certs {
		if c.Skill != "" && !slices.Contains(out, c.Skill) {
			out = append(out, c.Skill)
		}
	}
	return out
}

// ErrorFields builds an invalid-input error.
func invalidErr(msg string, fields map[string]string) error {
	return &events.Error{Code: events.CodeInvalid, Message: msg, Fields: fields}
}

// DecideLevel checks a self-assessment or verification: the skill must exist (else
// not_found) and the level lie in its range (else invalid, naming the range).
func (s *State) DecideLevel(skill string, level int, note string) (catalogue.Skill, error) {
	sk, ok := s.Skill(skill)
	if !ok {
		return sk, events.Errorf(events.CodeNotFound, "no skill %q in the catalogue", skill)
	}
	if !sk.HasLevel(level) {
		return sk, invalidErr(fmt.Sprintf("%s is recorded at levels %d to %d", sk.Name, sk.MinLevel, sk.MaxLevel),
			map[string]string{"level": fmt.Sprintf("must be between %d and %d for %s", sk.MinLevel, sk.MaxLevel, sk.Name)})
	}
	if len(note) > 2000 {
		return sk, invalidErr("The note is too long.", map[string]string{"note": "must be at most 2000 characters"})
	}
	return sk, nil
}

// DecideCertification checks a certification recorded on today (DateLayout) and returns
// its event payload. A certification is recorded once it is held: an issue date after
// today is refused, so the standing its event carries never changes later except by its
// expiry (which has its own event).
func (s *State) DecideCertification(req events.SkillCertifyRequest, id, today string) (events.CertificationAdded, error) {
	e := events.CertificationAdded{ID: id, Name: events.CleanText(req.Name), Issuer: events.CleanText(req.Issuer),
		Issued: strings.TrimSpace(req.Issued), Expires: strings.TrimSpace(req.Expires), Skill: strings.TrimSpace(req.Skill), Level: req.Level}
	fields := map[string]string{}
	if e.Name == "" || len(e.Name) > 200 {
		fields["name"] = "Enter the certification's name (up to 200 characters)."
	}
	if e.Issuer == "" || len(e.Issuer) > 200 {
		fields["issuer"] = "Enter who issued it (up to 200 characters)."
	}
	issued, err := time.Parse(events.DateLayout, e.Issued)
	switch {
	case err != nil:
		fields["issued"] = "Enter the issue date, " + events.DateExample + "."
	case e.Issued > today:
		fields["issued"] = "The issue date cannot be in the future."
	}
	if e.Expires != "" {
		exp, err := time.Parse(events.DateLayout, e.Expires)
		switch {
		case err != nil:
			fields["expires"] = "Enter the expiry date, " + events.DateExample + ", or leave it empty."
		case fields["issued"] == "" && !exp.After(issued):
			fields["expires"] = "The expiry date must be after the issue date."
		}
	}
	if e.Skill != "" {
		sk, ok := s.Skill(e.Skill)
		switch {
		case !ok:
			fields["skill"] = "Choose a skill from the catalogue."
		case !sk.HasLevel(e.Level):
			fields["level"] = fmt.Sprintf("must be between %d and %d for %s", sk.MinLevel, sk.MaxLevel, sk.Name)
		}
	} else if e.Level != 0 {
		fields["skill"] = "Choose the skill this level is for."
	}
	if len(fields) > 0 {
		return e, invalidErr("Some fields need attention.", fields)
	}
	return e, nil
}

// DecideEvidence turns a passed training module into evidence for a record, keeping only
// skills of the catalogue at levels within their range. ok is false when there is nothing
// to record: the event was handled already or evidences no known skill.
func (s *State) DecideEvidence(eventID string, p events.ModulePassed) (events.SkillsEvidenced, bool) {
	if d, found := s.docs[p.Person]; found && slices.Contains(d.Handled, eventID) {
		return events.SkillsEvidenced{}, false
	}
	e := events.SkillsEvidenced{SourceEvent: eventID, Module: p.Module, Title: p.Title, Score: p.Score}
	for _, sl := range p.Skills {
		if sk, ok := s.Skill(sl.Skill); ok && sk.HasLevel(sl.Level) {
			e.Skills = append(e.Skills, sl)
		}
	}
	return e, len(e.Skills) > 0
}

// DueExpiries lists the certifications whose expiry date is before today and whose expiry
// event has not been published, by person.
func (s *State) DueExpiries(today time.Time) map[string][]Cert {
	day := events.Date(today)
	out := map[string][]Cert{}
	for person, d := range s.docs {
		for _, c := range d.Certs {
			if c.Expires != "" && c.Expires < day && c.ExpiredSeq == 0 {
				out[person] = append(out[person], c)
			}
		}
	}
	return out
}

// CertView shows a certification as of a moment.
func CertView(c Cert, at time.Time) events.SkillCertification {
	v := events.SkillCertification{ID: c.ID, Name: c.Name, Issuer: c.Issuer, Issued: c.Issued, Expires: c.Expires,
		Skill: c.Skill, Level: c.Level, Status: "valid", Added: c.Added.UTC().Format(time.RFC3339), AddedBy: c.AddedBy,
		ExpiredEvent: c.ExpiredSeq != 0}
	if c.Expires != "" {
		exp, err := time.Parse(events.DateLayout, c.Expires)
		if err == nil {
			days := int(exp.Sub(EndOfDay(at).Truncate(24*time.Hour)).Hours() / 24)
			v.DaysLeft = &days
			switch {
			case days < 0:
				v.Status = "expired"
			case days <= int(ExpiringWindow.Hours()/24):
				v.Status = "expiring"
			}
		}
	}
	return v
}

// RecordView builds a person's record as of moment at: every skill with history or a
// target, the gaps against the role profile with recommended modules, and the
// certifications recorded by then.
func (s *State) RecordView(p Person, at time.Time) events.SkillRecordReply {
	reply := events.SkillRecordReply{Person: p.ID, Name: p.Name, Team: p.Team, Track: p.Track, Seniority: Seniority(p, at),
		Items: []events.SkillRecordItem{}, Gaps: []events.SkillGap{}, Certifications: []events.SkillCertification{}}
	d, ok := s.docs[p.ID]
	if !ok {
		d = &Doc{Person: p.ID}
	}
	profile, _ := s.Profile(p, at)
	ids := d.SkillIDs()
	for _, t := range profile.Targets {
		if !slices.Contains(ids, t.Skill) {
			ids = append(ids, t.Skill)
		}
	}
	slices.SortFunc(ids, func(a, b string) int { return s.byID[a] - s.byID[b] })
	for _, id := range ids {
		st := d.Standing(id, at)
		sk, _ := s.Skill(id)
		item := events.SkillRecordItem{Skill: id, Name: nonEmpty(sk.Name, id), Level: st.Level, Source: st.Source, History: []events.SkillHistoryEntry{}}
		if t, ok := profile.Target(id); ok {
			item.Target = &t.Level
		}
		if st.Claimed > 0 {
			c := st.Claimed
			item.Claimed = &c
		}
		for _, e := range st.History {
			item.History = append(item.History, events.SkillHistoryEntry{Time: e.Time.UTC().Format(time.RFC3339), Actor: e.Actor,
				Source: e.Source, Level: e.Level, Note: e.Note, Module: e.Module, Event: e.Event})
		}
		if len(st.History) == 0 && st.Level == 0 && item.Target == nil {
			continue
		}
		reply.Items = append(reply.Items, item)
		if item.Target != nil && st.Level < *item.Target {
			reply.Gaps = append(reply.Gaps, s.gap(id, item.Name, st.Level, *item.Target))
		}
	}
	for _, c := range d.Certs {
		if !c.Added.After(at) {
			reply.Certifications = append(reply.Certifications, CertView(c, at))
		}
	}
	return reply
}

func (s *State) gap(skill, name string, level, target int) events.SkillGap {
	g := events.SkillGap{Skill: skill, Name: name, Level: level, Target: target, Missing: level == 0, Modules: []events.SkillModuleRef{}}
	for _, m := range s.modules[skill] {
		if m.Level > level {
			g.Modules = append(g.Modules, m)
		}
	}
	return g
}
