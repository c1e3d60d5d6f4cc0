package events

import (
	"strings"
	"time"
)

// Skills events. Every event about one person's skill record has the person id as its
// subject and entity "record" (onramp.skills.record.<person>.<verb>), so the person's whole
// history is RecordFilter("skills", "record", person). Framework imports have entity
// "framework" and the import id as subject.

// Sources of a skill level, as shown in records and reports.
const (
	SourceSelf          = "self"
	SourceVerified      = "verified"
	SourceTraining      = "training"
	SourceCertification = "certification"
)

func skillCheckLevel(p map[string]string, level int) {
	if level < 1 || level > 7 {
		p["level"] = "must be 1–7"
	}
}

func skillCheckNote(p map[string]string, note string) {
	if len(note) > 2000 {
		p["note"] = "must be at most 2000 characters"
	}
}

// SkillStanding is a person's standing in one skill right after a skills record event, as
// the skills service's level rules decide it (services/skills: Doc.Standing): the level
// (0: none), where it comes from (Source*, "" for none) and whether it lets the person
// mentor the skill (a verified or evidenced level; never a self-assessment or a
// certification people recorded for themselves). Every record event since standing was
// added carries the standing of each skill it changed; events recorded before carry none
// (see SkillStandingRestated).
type SkillStanding struct {
	Skill      string `json:"skill"`
	Level      int    `json:"level"`
	Source     string `json:"source,omitempty"`
	Mentorable bool   `json:"mentorable"`
}

// SkillStandingRestated: the skills service restated the standing of every skill of a
// record (skills.record.standing_restated v1), once for each record whose history began
// before record events carried their standing, so that readers need not know the level
// rules to read old history.
type SkillStandingRestated struct {
	Standing []SkillStanding `json:"standing"`
}

func (SkillStandingRestated) EventType() string { return "skills.record.standing_restated" }
func (SkillStandingRestated) EventVersion() int { return 1 }
func (e SkillStandingRestated) Validate() error {
	p := map[string]string{}
	for _, s := range e.Standing {
		if !IsToken(s.Skill) || s.Level < 0 || s.Level > 7 {
			p["standing"] = "each needs a skill id and a level 0–7"
		}
	}
	return invalid(p)
}

// SkillAssessed: a person assessed their own level in a skill (skills.record.assessed v1).
// The actor is the person.
type SkillAssessed struct {
	Skill    string          `json:"skill"`
	Level    int             `json:"level"`
	Note     string          `json:"note,omitempty"`
	Standing []SkillStanding `json:"standing,omitempty"`
}

func (SkillAssessed) EventType() string { return "skills.record.assessed" }
func (SkillAssessed) EventVersion() int { return 1 }
func (e SkillAssessed) Validate() error {
	p := map[string]string{}
	if !IsToken(e.Skill) {
		p["skill"] = "is required"
	}
	skillCheckLevel(p, e.Level)
	skillCheckNote(p, e.Note)
	return invalid(p)
}

// SkillVerified: the person's lead (or HR) confirmed a level (skills.record.verified v1).
// The actor is the verifier. The verified level stands until the next verification.
type SkillVerified struct {
	Skill    string          `json:"skill"`
	Level    int             `json:"level"`
	Note     string          `json:"note,omitempty"`
	Standing []SkillStanding `json:"standing,omitempty"`
}

func (SkillVerified) EventType() string { return "skills.record.verified" }
func (SkillVerified) EventVersion() int { return 1 }
func (e SkillVerified) Validate() error {
	p := map[string]string{}
	if !IsToken(e.Skill) {
		p["skill"] = "is required"
	}
	skillCheckLevel(p, e.Level)
	skillCheckNote(p, e.Note)
	return invalid(p)
}

// SkillsEvidenced: passing a training module evidenced skills at the module's levels
// (skills.record.evidenced v1). SourceEvent is the id of the training.module.passed event
// it came from: a record never takes the same source event twice.
type SkillsEvidenced struct {
	SourceEvent string          `json:"source_event"`
	Module      string          `json:"module"`
	Title       string          `json:"title,omitempty"`
	Score       int             `json:"score"`
	Skills      []SkillLevel    `json:"skills"`
	Standing    []SkillStanding `json:"standing,omitempty"`
}

func (SkillsEvidenced) EventType() string { return "skills.record.evidenced" }
func (SkillsEvidenced) EventVersion() int { return 1 }
func (e SkillsEvidenced) Validate() error {
	p := map[string]string{}
	if !IsID(e.SourceEvent) {
		p["source_event"] = "must be the id of the training event"
	}
	if !IsToken(e.Module) {
		p["module"] = "is required"
	}
	if len(e.Skills) == 0 {
		p["skills"] = "at least one skill"
	}
	for _, s := range e.Skills {
		if !IsToken(s.Skill) || s.Level < 1 || s.Level > 7 {
			p["skills"] = "each needs a skill id and a level 1–7"
		}
	}
	return invalid(p)
}

// CertificationAdded: a certification was recorded for the person
// (skills.record.certification_added v1). Issued and Expires are dates (DateLayout);
// Expires is empty for certifications that never expire. Skill and Level, when set, say
// which skill the certification evidences while it is valid.
type CertificationAdded struct {
	ID       string          `json:"id"`
	Name     string          `json:"name"`
	Issuer   string          `json:"issuer"`
	Issued   string          `json:"issued"`
	Expires  string          `json:"expires,omitempty"`
	Skill    string          `json:"skill,omitempty"`
	Level    int             `json:"level,omitempty"`
	Standing []SkillStanding `json:"standing,omitempty"`
}

func (CertificationAdded) EventType() string { return "skills.record.certification_added" }
func (CertificationAdded) EventVersion() int { return 1 }
func (e CertificationAdded) Validate() error {
	p := map[string]string{}
	if !IsToken(e.ID) {
		p["id"] = "is required"
	}
	if n := len(strings.TrimSpace(e.Name)); n == 0 || n > 200 {
		p["name"] = "must be 1–200 characters"
	}
	if n := len(strings.TrimSpace(e.Issuer)); n == 0 || n > 200 {
		p["issuer"] = "must be 1–200 characters"
	}
	issued, err := time.Parse(DateLayout, e.Issued)
	if err != nil {
		p["issued"] = "must be a date like 2026-01-31"
	}
	if e.Expires != "" {
		exp, err := time.Parse(DateLayout, e.Expires)
		if err != nil {
			p["expires"] = "must be a date like 2026-01-31"
		} else if p["issued"] == "" && !exp.After(issued) {
			p["expires"] = "must be after the issue date"
		}
	}
	if e.Skill != "" || e.Level != 0 {
		if !IsToken(e.Skill) {
			p["skill"] = "must be a skill id"
		}
		skillCheckLevel(p, e.Level)
	}
	return invalid(p)
}

// CertificationExpired: a recorded certification passed its expiry date
// (skills.record.certification_expired v1), published once by the skills service.
type CertificationExpired struct {
	ID       string          `json:"id"`
	Name     string          `json:"name"`
	Expires  string          `json:"expires"`
	Standing []SkillStanding `json:"standing,omitempty"`
}

func (CertificationExpired) EventType() string { return "skills.record.certification_expired" }
func (CertificationExpired) EventVersion() int { return 1 }
func (e CertificationExpired) Validate() error {
	p := map[string]string{}
	if !IsToken(e.ID) {
		p["id"] = "is required"
	}
	if _, err := time.Parse(DateLayout, e.Expires); err != nil {
		p["expires"] = "must be a date like 2026-01-31"
	}
	return invalid(p)
}

// ImportedSkill is one skill of an organisation's own framework.
type ImportedSkill struct {
	ID          string `json:"id"`
	Name        string `json:"name"`
	Category    string `json:"category"`
	Description string `json:"description,omitempty"`
	MinLevel    int    `json:"min_level"`
	MaxLevel    int    `json:"max_level"`
}

// FrameworkImported: HR or an admin imported an organisation's skills framework
// (skills.framework.imported v1). Subject: the import id. The skills join the catalogue;
// a skill whose id exists already replaces its entry.
type FrameworkImported struct {
	File   string          `json:"file"`
	Skills []ImportedSkill `json:"skills"`
}

func (FrameworkImported) EventType() string { return "skills.framework.imported" }
func (FrameworkImported) EventVersion() int { return 1 }
func (e FrameworkImported) Validate() error {
	p := map[string]string{}
	if len(e.Skills) == 0 {
		p["skills"] = "at least one skill"
	}
	for _, s := range e.Skills {
		if !IsToken(s.ID) || strings.TrimSpace(s.Name) == "" || strings.TrimSpace(s.Category) == "" ||
			s.MinLevel < 1 || s.MaxLevel > 7 || s.MinLevel > s.MaxLevel {
			p["skills"] = "each needs an id, a name, a category and a range within 1–7"
		}
	}
	return invalid(p)
}

// CatalogueSubject is the subject id of the effective catalogue's announcements.
const CatalogueSubject = "effective"

// CatalogueChanged: the effective skills catalogue (the shipped skills plus every imported
// framework) changed (skills.catalogue.changed v1; subject CatalogueSubject). The skills
// service announces it at start when it differs from the last announcement (a release
// changed the shipped skills) and after every import, so other services read skill names
// and ids from the stream instead of loading the catalogue themselves; the newest one is
// the catalogue.
type CatalogueChanged struct {
	Skills []Skill `json:"skills"`
}

func (CatalogueChanged) EventType() string { return "skills.catalogue.changed" }
func (CatalogueChanged) EventVersion() int { return 1 }
func (e CatalogueChanged) Validate() error {
	p := map[string]string{}
	if len(e.Skills) == 0 {
		p["skills"] = "at least one skill"
	}
	for _, s := range e.Skills {
		if !IsToken(s.ID) || strings.TrimSpace(s.Name) == "" {
			p["skills"] = "each needs an id and a name"
		}
	}
	return invalid(p)
}

// Skills operations (service "skills"). Every request carries the caller's token; the
// service decides what the caller may see or change.
const (
	SkillsService        = "skills"
	OpSkillsList         = "catalogue.list"   // → SkillsReply
	OpSkillsImport       = "catalogue.import" // SkillImportRequest → SkillImportReply
	OpRecordGet          = "record.get"       // SkillRecordRequest → SkillRecordReply
	OpRecordAssess       = "record.assess"    // SkillLevelRequest → SkillRecordItem
	OpRecordVerify       = "record.verify"    // SkillLevelRequest → SkillRecordItem
	OpRecordCertify      = "record.certify"   // SkillCertifyRequest → SkillCertification
	OpReportMatrix       = "report.matrix"    // SkillReportRequest → SkillReport
	OpReportCoverage     = "report.coverage"  // SkillReportRequest → SkillReport
	OpReportGaps         = "report.gaps"      // SkillReportRequest → SkillReport
	OpReportCerts        = "report.certs"     // SkillReportRequest → SkillReport
	OpSkillsSeed         = "admin.seed"       // SkillSeedRequest → {}; CallerSystem only (demo data)
	OpSkillsSweepExpired = "admin.sweep"      // → {"expired": n}; CallerSystem only
)

// Skill is a catalogue entry as the API shows it.
type Skill struct {
	ID          string `json:"id"`
	Name        string `json:"name"`
	Category    string `json:"category"`
	MinLevel    int    `json:"min_level"`
	MaxLevel    int    `json:"max_level"`
	Description string `json:"description"`
}

type SkillsReply struct {
	Items []Skill `json:"items"`
}

// SkillImportRequest carries an uploaded framework file (CSV or YAML, by its name).
type SkillImportRequest struct {
	Filename string `json:"filename"`
	Content  string `json:"content"`
}

// SkillImportProblem is one line-numbered problem of a rejected import.
type SkillImportProblem struct {
	Line    int    `json:"line"`
	Field   string `json:"field,omitempty"`
	Message string `json:"message"`
}

type SkillImportReply struct {
	ID       string               `json:"id"`
	Imported int                  `json:"imported"`
	Skills   []Skill              `json:"skills"`
	Problems []SkillImportProblem `json:"problems,omitempty"`
}

// SkillRecordRequest asks for a person's record, now or as it stood at the end of AsOf.
type SkillRecordRequest struct {
	Person string `json:"person"`
	AsOf   string `json:"as_of,omitempty"` // DateLayout
}

// SkillHistoryEntry is one change to a skill record: who, when, why, from which source.
type SkillHistoryEntry struct {
	Time   string `json:"time"` // RFC 3339
	Actor  string `json:"actor"`
	Source string `json:"source"`
	Level  int    `json:"level"`
	Note   string `json:"note,omitempty"`
	Module string `json:"module,omitempty"`
	Event  string `json:"event"`
}

// SkillRecordItem is one skill of a person's record. Level is the standing level (0: none),
// Source where it comes from, Claimed a higher level asserted by self-assessment or
// evidence and not yet verified (null: none), Target the role profile's target (null:
// the skill is not in the profile).
type SkillRecordItem struct {
	Skill   string              `json:"skill"`
	Name    string              `json:"name"`
	Level   int                 `json:"level"`
	Target  *int                `json:"target"`
	Source  string              `json:"source"`
	Claimed *int                `json:"claimed"`
	History []SkillHistoryEntry `json:"history"`
}

// SkillCertification is one recorded certification.
type SkillCertification struct {
	ID           string `json:"id"`
	Name         string `json:"name"`
	Issuer       string `json:"issuer"`
	Issued       string `json:"issued"`
	Expires      string `json:"expires,omitempty"`
	Skill        string `json:"skill,omitempty"`
	Level        int    `json:"level,omitempty"`
	Status       string `json:"status"` // valid, expiring (within 90 days), expired
	DaysLeft     *int   `json:"days_left,omitempty"`
	Added        string `json:"added"`
	AddedBy      string `json:"added_by"`
	ExpiredEvent bool   `json:"expired_event"` // the expiry event was published
}

// SkillModuleRef is a training module that evidences a skill at a level.
type SkillModuleRef struct {
	ID    string `json:"id"`
	Title string `json:"title"`
	Level int    `json:"level"`
}

// SkillGap is a profile skill the person lacks or holds below target.
type SkillGap struct {
	Skill   string           `json:"skill"`
	Name    string           `json:"name"`
	Level   int              `json:"level"`
	Target  int              `json:"target"`
	Missing bool             `json:"missing"`
	Modules []SkillModuleRef `json:"modules"`
}

type SkillRecordReply struct {
	Person         string               `json:"person"`
	Name           string               `json:"name"`
	Team           string               `json:"team"`
	Track          string               `json:"track"`
	Seniority      string               `json:"seniority"`
	AsOf           string               `json:"as_of,omitempty"`
	Items          []SkillRecordItem    `json:"items"`
	Gaps           []SkillGap           `json:"gaps"`
	Certifications []SkillCertification `json:"certifications"`
	CanAssess      bool                 `json:"can_assess"`
	CanVerify      bool                 `json:"can_verify"`
}

// SkillLevelRequest is a self-assessment or a verification.
type SkillLevelRequest struct {
	Person string `json:"person"`
	Skill  string `json:"skill"`
	Level  int    `json:"level"`
	Note   string `json:"note"`
}

// SkillCertifyRequest records a certification for Person.
type SkillCertifyRequest struct {
	Person  string `json:"person"`
	Name    string `json:"name"`
	Issuer  string `json:"issuer"`
	Issued  string `json:"issued"`
	Expires string `json:"expires"`
	Skill   string `json:"skill"`
	Level   int    `json:"level"`
}

// SkillReportRequest filters a report; Offset and Limit page through its rows (Limit 0: all,
// up to the service's page limit).
type SkillReportRequest struct {
	Team  string `json:"team,omitempty"`
	Track string `json:"track,omitempty"`
	Skill string `json:"skill,omitempty"`
	AsOf  string `json:"as_of,omitempty"`
	// Sort is a column key of the report's rows (JSON name), descending after a "-";
	// empty: the report's own order.
	Sort   string `json:"sort,omitempty"`
	Offset int    `json:"offset,omitempty"`
	Limit  int    `json:"limit,omitempty"`
}

// SkillReport is one page of a skills report as typed rows. Only the rows of the report
// asked for are set; Total counts the rows of the whole report and Offset is the page's
// first. How rows become cells (CSV, XLSX, JSON, the page) is decided once per report by
// the web's report writers.
type SkillReport struct {
	Report string `json:"report"`
	AsOf   string `json:"as_of"`
	Total  int    `json:"total"`
	Offset int    `json:"offset"`
	// Skills are the matrix's skill columns, in catalogue order, the same on every page.
	Skills   []SkillRef         `json:"skills,omitempty"`
	Matrix   []SkillMatrixRow   `json:"matrix,omitempty"`
	Coverage []SkillCoverageRow `json:"coverage,omitempty"`
	Gaps     []SkillGapRow      `json:"gaps,omitempty"`
	// GapTeams count the gaps per team over the whole report, in team order.
	GapTeams []SkillTeamGaps `json:"gap_teams,omitempty"`
	Certs    []SkillCertRow  `json:"certs,omitempty"`
	// Totals are the matrix's totals over the whole selection (not just the page).
	Totals *SkillMatrixTotals `json:"totals,omitempty"`
}

// SkillRef names a skill.
type SkillRef struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

// SkillMatrixRow is one person of the skill matrix; Cells follow SkillReport.Skills.
type SkillMatrixRow struct {
	Person    string            `json:"person"`
	Name      string            `json:"name"`
	Team      string            `json:"team"`
	Track     string            `json:"track"`
	Seniority string            `json:"seniority"`
	Cells     []SkillMatrixCell `json:"cells"`
}

// SkillMatrixCell is a standing in the matrix: its level and source, and a higher level
// claimed and not yet verified (0: none). A zero cell is a skill the person lacks.
type SkillMatrixCell struct {
	Level   int    `json:"level"`
	Source  string `json:"source,omitempty"`
	Claimed int    `json:"claimed,omitempty"`
}

// SkillMatrixTotals count, per skill column, the people who hold the skill (level 1 or
// more) and those who claim a level not yet verified; and the same per team, for the teams
// of the page's people (a line for every team would grow with the organisation).
type SkillMatrixTotals struct {
	People  int              `json:"people"`
	Holders []int            `json:"holders"`
	Claims  []int            `json:"claims"`
	Teams   []SkillTeamTotal `json:"teams"`
}

// SkillTeamTotal is one team's line of the matrix totals; Holders follow the skill columns.
type SkillTeamTotal struct {
	Team    string `json:"team"`
	People  int    `json:"people"`
	Holders []int  `json:"holders"`
}

// SkillCoverageRow counts, for one skill, the people standing at or above each level.
// AtLeast[l-1] is the count at level l or more; levels outside MinLevel–MaxLevel are 0.
type SkillCoverageRow struct {
	Skill    string `json:"skill"`
	Name     string `json:"name"`
	Category string `json:"category"`
	MinLevel int    `json:"min_level"`
	MaxLevel int    `json:"max_level"`
	People   int    `json:"people"`
	AtLeast  [7]int `json:"at_least"`
	// SinglePoint: exactly one person holds the skill at skills' SPOF level or above;
	// Holder names them, HolderID is their id.
	SinglePoint bool   `json:"single_point_of_failure"`
	Holder      string `json:"holder,omitempty"`
	HolderID    string `json:"holder_id,omitempty"`
}

// SkillGapRow is a profile skill a person lacks or holds below target.
type SkillGapRow struct {
	Team      string           `json:"team"`
	Person    string           `json:"person"`
	Name      string           `json:"name"`
	Track     string           `json:"track"`
	Seniority string           `json:"seniority"`
	Skill     string           `json:"skill"`
	SkillName string           `json:"skill_name"`
	Level     int              `json:"level"`
	Target    int              `json:"target"`
	Missing   bool             `json:"missing"`
	Modules   []SkillModuleRef `json:"modules"`
}

// SkillTeamGaps counts one team's people below target and their gaps.
type SkillTeamGaps struct {
	Team   string `json:"team"`
	People int    `json:"people"`
	Gaps   int    `json:"gaps"`
}

// SkillCertRow is a certification that expires soon. Issued and Expires are dates
// (YYYY-MM-DD).
type SkillCertRow struct {
	Person        string `json:"person"`
	Name          string `json:"name"`
	Team          string `json:"team"`
	Certification string `json:"certification"`
	Issuer        string `json:"issuer"`
	Issued        string `json:"issued"`
	Expires       string `json:"expires"`
	DaysLeft      int    `json:"days_left"`
	Skill         string `json:"skill,omitempty"`
	SkillName     string `json:"skill_name,omitempty"`
}

// SkillSeedRequest adds demo records as a given actor; each entry is skipped when the record
// already holds an entry of that kind and level (idempotent).
type SkillSeedRequest struct {
	Person  string               `json:"person"`
	Actor   string               `json:"actor"`
	Kind    string               `json:"kind"` // assess, verify, certify
	Level   *SkillLevelRequest   `json:"level,omitempty"`
	Certify *SkillCertifyRequest `json:"certify,omitempty"`
}
