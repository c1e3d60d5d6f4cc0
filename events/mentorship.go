package events

import "strings"

// MentorshipAccepted: a proposed mentor accepted; the pairing is active
// (mentorship.pair.accepted v1). Subject: the mentorship id. The onboarding service moves
// the hire's mentor-owned tasks to Mentor.
type MentorshipAccepted struct {
	Hire   string `json:"hire"`
	Mentor string `json:"mentor"`
}

func (MentorshipAccepted) EventType() string { return "mentorship.pair.accepted" }
func (MentorshipAccepted) EventVersion() int { return 1 }
func (e MentorshipAccepted) Validate() error {
	p := map[string]string{}
	if !IsToken(e.Hire) {
		p["hire"] = "is required"
	}
	if !IsToken(e.Mentor) {
		p["mentor"] = "is required"
	}
	if e.Hire == e.Mentor && e.Hire != "" {
		p["mentor"] = "must not be the hire"
	}
	return invalid(p)
}

// Mentorship events. A mentorship (a pairing of a hire with a mentor) has a UUID; every
// event about it — its lifecycle (entity "pair"), its check-ins (entity "checkin") and
// the participants' feedback (entity "feedback") — has that id as its subject, so one
// mentorship's whole history is MentorshipFilter(id). A mentor profile has the person id
// as its subject (entity "profile").

// Mentorship states.
const (
	PairProposed = "proposed"
	PairActive   = "active"
	PairDeclined = "declined"
	PairEnded    = "ended"
)

// Mentor profile states: opted in (active), nominated by a lead or HR and not yet
// accepted, or paused by the person (no new proposals).
const (
	ProfileActive    = "active"
	ProfileNominated = "nominated"
	ProfilePaused    = "paused"
)

// MentorshipFilter covers every event about one mentorship: onramp.mentorship.*.<id>.>.
func MentorshipFilter(id string) string { return Prefix + ".mentorship.*." + id + ".>" }

// MentorshipPairsFilter covers every lifecycle event of every mentorship; proposals and
// acceptances expect it, so capacity and "one open mentorship per hire" hold across
// replicas.
const MentorshipPairsFilter = Prefix + ".mentorship.pair.>"

func mentorshipPair(p map[string]string, hire, mentor string) {
	if !IsToken(hire) {
		p["hire"] = "is required"
	}
	if !IsToken(mentor) {
		p["mentor"] = "is required"
	}
	if hire == mentor && hire != "" {
		p["mentor"] = "must not be the hire"
	}
}

func textAtMost(p map[string]string, field, s string, n int) {
	if len(s) > n {
		p[field] = "must be at most " + itoa(n) + " characters"
	}
}

func itoa(n int) string {
	if n == 0 {
		return "0"
	}
	var b [20]byte
	i := len(b)
	neg := n < 0
	if neg {
		n = -n
	}
	for n > 0 {
		i--
		b[i] = byte('0' + n%10)
		n /= 10
	}
	if neg {
		i--
		b[i] = '-'
	}
	return string(b[i:])
}

// MentorshipProposed: a lead or HR proposed Mentor for Hire (mentorship.pair.proposed v1).
// Reason is the proposer's optional note; Override, when set, is HR's reason for proposing
// a mentor who was at capacity. Score and Reasons record the match as it was explained.
type MentorshipProposed struct {
	Hire     string   `json:"hire"`
	Mentor   string   `json:"mentor"`
	Reason   string   `json:"reason,omitempty"`
	Override string   `json:"override,omitempty"`
	Score    int      `json:"score"`
	Reasons  []string `json:"reasons,omitempty"`
}

func (MentorshipProposed) EventType() string { return "mentorship.pair.proposed" }
func (MentorshipProposed) EventVersion() int { return 1 }
func (e MentorshipProposed) Validate() error {
	p := map[string]string{}
	mentorshipPair(p, e.Hire, e.Mentor)
	textAtMost(p, "reason", e.Reason, 1000)
	textAtMost(p, "override", e.Override, 1000)
	if e.Score < 0 || e.Score > 100 {
		p["score"] = "must be 0–100"
	}
	return invalid(p)
}

// MentorshipDeclined: the proposed mentor declined (mentorship.pair.declined v1).
type MentorshipDeclined struct {
	Hire   string `json:"hire"`
	Mentor string `json:"mentor"`
	Reason string `json:"reason,omitempty"`
}

func (MentorshipDeclined) EventType() string { return "mentorship.pair.declined" }
func (MentorshipDeclined) EventVersion() int { return 1 }
func (e MentorshipDeclined) Validate() error {
	p := map[string]string{}
	mentorshipPair(p, e.Hire, e.Mentor)
	textAtMost(p, "reason", e.Reason, 1000)
	return invalid(p)
}

// MentorshipEnded: a participant, the hire's lead or HR ended a mentorship, or withdrew a
// proposal (mentorship.pair.ended v1). Reason is required.
type MentorshipEnded struct {
	Hire   string `json:"hire"`
	Mentor string `json:"mentor"`
	Reason string `json:"reason"`
}

func (MentorshipEnded) EventType() string { return "mentorship.pair.ended" }
func (MentorshipEnded) EventVersion() int { return 1 }
func (e MentorshipEnded) Validate() error {
	p := map[string]string{}
	mentorshipPair(p, e.Hire, e.Mentor)
	if strings.TrimSpace(e.Reason) == "" {
		p["reason"] = "is required"
	}
	textAtMost(p, "reason", e.Reason, 1000)
	return invalid(p)
}

// CheckinLogged: a participant logged a check-in (mentorship.checkin.logged v1). Subject:
// the mentorship id. Date may lie ahead (an upcoming check-in) or behind.
type CheckinLogged struct {
	ID        string   `json:"id"`
	Hire      string   `json:"hire"`
	Mentor    string   `json:"mentor"`
	Date      string   `json:"date"` // DateLayout
	Notes     string   `json:"notes"`
	NextSteps string   `json:"next_steps,omitempty"`
	Skills    []string `json:"skills,omitempty"`
}

func (CheckinLogged) EventType() string { return "mentorship.checkin.logged" }
func (CheckinLogged) EventVersion() int { return 1 }
func (e CheckinLogged) Validate() error {
	p := map[string]string{}
	mentorshipPair(p, e.Hire, e.Mentor)
	if !IsToken(e.ID) {
		p["id"] = "is required"
	}
	if !isDate(e.Date) {
		p["date"] = "must be a date like 2026-01-31"
	}
	if strings.TrimSpace(e.Notes) == "" {
		p["notes"] = "is required"
	}
	textAtMost(p, "notes", e.Notes, 4000)
	textAtMost(p, "next_steps", e.NextSteps, 2000)
	for _, s := range e.Skills {
		if !IsToken(s) {
			p["skills"] = "must be skill ids"
		}
	}
	return invalid(p)
}

// CheckinEdited: the author of a check-in changed it within a day of logging it
// (mentorship.checkin.edited v1). Subject: the mentorship id. ID names the check-in; the
// other fields replace its date, notes, next steps and skills.
type CheckinEdited CheckinLogged

func (CheckinEdited) EventType() string { return "mentorship.checkin.edited" }
func (CheckinEdited) EventVersion() int { return 1 }
func (e CheckinEdited) Validate() error { return CheckinLogged(e).Validate() }

// FeedbackGiven: a participant gave feedback on an ended mentorship
// (mentorship.feedback.given v1). Subject: the mentorship id. From is the hire or the
// mentor; each gives feedback once.
type FeedbackGiven struct {
	Hire   string `json:"hire"`
	Mentor string `json:"mentor"`
	From   string `json:"from"`
	Rating int    `json:"rating"` // 1–5
	Text   string `json:"text,omitempty"`
}

func (FeedbackGiven) EventType() string { return "mentorship.feedback.given" }
func (FeedbackGiven) EventVersion() int { return 1 }
func (e FeedbackGiven) Validate() error {
	p := map[string]string{}
	mentorshipPair(p, e.Hire, e.Mentor)
	if e.From != e.Hire && e.From != e.Mentor {
		p["from"] = "must be the hire or the mentor"
	}
	if e.Rating < 1 || e.Rating > 5 {
		p["rating"] = "must be 1–5"
	}
	textAtMost(p, "text", e.Text, 2000)
	return invalid(p)
}

// MentorProfileUpdated: a person opted in as a mentor or changed their profile
// (mentorship.profile.updated v1). Subject: the person id. Skills are the skills they
// mentor; Capacity the most active mentees they take; State active or paused.
type MentorProfileUpdated struct {
	State    string   `json:"state"`
	Skills   []string `json:"skills"`
	Capacity int      `json:"capacity"`
	Notes    string   `json:"notes,omitempty"`
}

func (MentorProfileUpdated) EventType() string { return "mentorship.profile.updated" }
func (MentorProfileUpdated) EventVersion() int { return 1 }
func (e MentorProfileUpdated) Validate() error {
	p := map[string]string{}
	if e.State != ProfileActive && e.State != ProfilePaused {
		p["state"] = "must be active or paused"
	}
	for _, s := range e.Skills {
		if !IsToken(s) {
			p["skills"] = "must be skill ids"
		}
	}
	if e.Capacity < 1 || e.Capacity > MaxMentorCapacity {
		p["capacity"] = "must be 1–" + itoa(MaxMentorCapacity)
	}
	textAtMost(p, "notes", e.Notes, 1000)
	return invalid(p)
}

// MaxMentorCapacity bounds a mentor's capacity.
const MaxMentorCapacity = 10

// MentorNominated: a lead or HR nominated a person as a mentor
// (mentorship.profile.nominated v1). Subject: the person id. The person accepts by
// setting up their profile.
type MentorNominated struct {
	Note string `json:"note,omitempty"`
}

func (MentorNominated) EventType() string { return "mentorship.profile.nominated" }
func (MentorNominated) EventVersion() int { return 1 }
func (e MentorNominated) Validate() error {
	p := map[string]string{}
	textAtMost(p, "note", e.Note, 1000)
	return invalid(p)
}

// Mentorship operations (service "mentorship"). Every request carries the caller's token;
// the service decides what the caller may see or change.
const (
	MentorshipService   = "mentorship"
	OpMentorsList       = "mentors.list"     // MentorsRequest → MentorsReply
	OpProfileGet        = "profile.get"      // MentorProfileRequest → MentorProfileView
	OpProfilePut        = "profile.put"      // MentorProfileRequest → MentorProfileView (the caller's own)
	OpProfileNominate   = "profile.nominate" // NominateRequest → MentorProfileView
	OpSuggestions       = "suggestions"      // SuggestionsRequest → SuggestionsReply
	OpMentorshipList    = "pairs.list"       // MentorshipsRequest → MentorshipsReply (scoped to the caller)
	OpPartners          = "pairs.partners"   // → PeopleIDs: the caller's mentor and mentees while each mentorship lasts
	OpMentorshipGet     = "pair.get"         // MentorshipRequest → MentorshipView
	OpMentorshipPropose = "pair.propose"     // ProposeRequest → MentorshipView
	OpMentorshipAccept  = "pair.accept"      // MentorshipRequest → MentorshipView
	OpMentorshipDecline = "pair.decline"     // MentorshipRequest → MentorshipView
	OpMentorshipEnd     = "pair.end"         // MentorshipRequest → MentorshipView
	OpCheckinLog        = "checkin.log"      // CheckinRequest → MentorshipView
	OpCheckinEdit       = "checkin.edit"     // CheckinRequest (with Checkin) → MentorshipView
	OpFeedbackGive      = "feedback.give"    // FeedbackRequest → MentorshipView
	OpMentorCoverage    = "coverage"         // CoverageRequest → CoverageReply (HR, admin; a lead: their team's hires)
	OpMentorshipSeed    = "admin.seed"       // MentorshipSeedRequest → MentorshipView; CallerSystem only
)

type MentorProfileRequest struct {
	Person   string   `json:"person,omitempty"` // profile.get: empty is the caller
	State    string   `json:"state,omitempty"`  // profile.put: active (default) or paused
	Skills   []string `json:"skills,omitempty"`
	Capacity int      `json:"capacity,omitempty"`
	Notes    string   `json:"notes,omitempty"`
}

type NominateRequest struct {
	Person string `json:"person"`
	Note   string `json:"note,omitempty"`
}

// MentorSkill is a skill a mentor mentors, or could mentor, with their own level.
type MentorSkill struct {
	Skill  string `json:"skill"`
	Name   string `json:"name"`
	Level  int    `json:"level"`
	Source string `json:"source"` // verified, training, certification
}

// MentorProfileView is a mentor profile. Eligible lists the skills the person may offer
// (their level is verified or evidenced); Skills those they do offer.
type MentorProfileView struct {
	Person      string        `json:"person"`
	Name        string        `json:"name"`
	Team        string        `json:"team"`
	Track       string        `json:"track"`
	State       string        `json:"state"` // active, paused, nominated, none
	Skills      []MentorSkill `json:"skills"`
	Eligible    []MentorSkill `json:"eligible,omitempty"`
	Capacity    int           `json:"capacity"`
	Load        int           `json:"load"` // active mentorships plus open proposals
	Notes       string        `json:"notes,omitempty"`
	NominatedBy string        `json:"nominated_by,omitempty"`
}

// MentorsRequest asks for one page of the mentors, sorted by name; Query searches names.
type MentorsRequest struct {
	Page
}

type MentorsReply struct {
	Items []MentorProfileView `json:"items"`
	PageInfo
}

type SuggestionsRequest struct {
	Hire string `json:"hire"`
}

// Suggestion is one ranked mentor for a hire, with the reasons for its score in words.
type Suggestion struct {
	Mentor     string   `json:"mentor"`
	Name       string   `json:"name"`
	Score      int      `json:"score"`
	Reasons    []string `json:"reasons"`
	Covers     []string `json:"covers"`
	Capacity   int      `json:"capacity"`
	Load       int      `json:"load"`
	AtCapacity bool     `json:"at_capacity,omitempty"`
	// CanPropose: the caller may propose this mentor now (mentorship.MayPropose).
	CanPropose bool `json:"can_propose"`
}

type SuggestionsReply struct {
	Hire     string       `json:"hire"`
	HireName string       `json:"hire_name"`
	Gaps     []SkillGap   `json:"gaps"`
	Items    []Suggestion `json:"items"` // the best MaxSuggestions (20)
	Total    int          `json:"total"` // how many mentors were ranked
	// Current is the hire's open (proposed or active) mentorship id, if any.
	Current string `json:"current,omitempty"`
}

// MentorshipsRequest asks for one page of the mentorships the caller may see, newest
// proposal first; Involving keeps those where that person is the hire or the mentor.
type MentorshipsRequest struct {
	Page
	Hire      string `json:"hire,omitempty"`
	State     string `json:"state,omitempty"`
	Involving string `json:"involving,omitempty"`
}

type MentorshipRequest struct {
	ID     string `json:"id"`
	Reason string `json:"reason,omitempty"`
}

type ProposeRequest struct {
	Hire   string `json:"hire"`
	Mentor string `json:"mentor"`
	Reason string `json:"reason,omitempty"`
}

type CheckinRequest struct {
	ID        string   `json:"id"`                // the mentorship
	Checkin   string   `json:"checkin,omitempty"` // the check-in to change (checkin.edit)
	Date      string   `json:"date"`
	Notes     string   `json:"notes"`
	NextSteps string   `json:"next_steps,omitempty"`
	Skills    []string `json:"skills,omitempty"`
}

type FeedbackRequest struct {
	ID     string `json:"id"`
	Rating int    `json:"rating"`
	Text   string `json:"text,omitempty"`
}

type CheckinView struct {
	ID        string   `json:"id"`
	Date      string   `json:"date"`
	Notes     string   `json:"notes"`
	NextSteps string   `json:"next_steps"`
	Skills    []string `json:"skills"`
	By        string   `json:"by"`
	ByName    string   `json:"by_name"`
	Upcoming  bool     `json:"upcoming"`
	Edited    bool     `json:"edited,omitempty"`
	// CanEdit: the caller wrote it and may still change it (mentorship decides: its
	// author, for 24 hours, while the mentorship is active).
	CanEdit bool `json:"can_edit"`
}

type FeedbackView struct {
	From     string `json:"from"`
	FromName string `json:"from_name"`
	Rating   int    `json:"rating"`
	Text     string `json:"text"`
}

// MentorshipView is one mentorship as the caller may see it. Feedback is shown to the
// participants and HR only; the Can* flags say what the caller may do now.
type MentorshipView struct {
	ID            string         `json:"id"`
	Hire          string         `json:"hire"`
	HireName      string         `json:"hire_name"`
	Mentor        string         `json:"mentor"`
	MentorName    string         `json:"mentor_name"`
	State         string         `json:"state"`
	ProposedBy    string         `json:"proposed_by"`
	Reason        string         `json:"reason,omitempty"`
	Override      string         `json:"override,omitempty"`
	Score         int            `json:"score"`
	Reasons       []string       `json:"reasons"`
	Proposed      string         `json:"proposed"` // RFC 3339
	Accepted      string         `json:"accepted,omitempty"`
	Ended         string         `json:"ended,omitempty"`
	EndReason     string         `json:"end_reason,omitempty"`
	DeclineReason string         `json:"decline_reason,omitempty"`
	Checkins      []CheckinView  `json:"checkins"`
	Feedback      []FeedbackView `json:"feedback,omitempty"`
	// Gaps are the hire's skill gaps against their role profile (for the pair, the
	// hire's lead and HR).
	Gaps        []SkillGap `json:"gaps"`
	CanRespond  bool       `json:"can_respond"`
	CanCheckin  bool       `json:"can_checkin"`
	CanEnd      bool       `json:"can_end"`
	CanFeedback bool       `json:"can_feedback"`
}

type MentorshipsReply struct {
	Items []MentorshipView `json:"items"`
	PageInfo
}

// CoverageHire is a hire and their mentorship, if any.
type CoverageHire struct {
	Hire       string `json:"hire"`
	Name       string `json:"name"`
	Team       string `json:"team"`
	Track      string `json:"track"`
	StartDate  string `json:"start_date"`
	Mentorship string `json:"mentorship,omitempty"`
	Mentor     string `json:"mentor,omitempty"`
	MentorName string `json:"mentor_name,omitempty"`
	State      string `json:"state"` // none, proposed, active
}

// CoverageMentor is a mentor's load against capacity.
type CoverageMentor struct {
	Mentor   string `json:"mentor"`
	Name     string `json:"name"`
	Team     string `json:"team"`
	State    string `json:"state"`
	Active   int    `json:"active"`
	Proposed int    `json:"proposed"`
	Capacity int    `json:"capacity"`
}

// Coverage lists: hires without an active mentor (none or proposed), hires with one, and
// mentors with their load (HR and admin only).
const (
	CoverageWithout = "without"
	CoverageWith    = "with"
	CoverageMentors = "mentors"
)

// CoverageRequest asks for one page of one coverage list (default CoverageWithout), sorted
// by name; Query searches names.
type CoverageRequest struct {
	Page
	List string `json:"list,omitempty"`
}

// CoverageReply is one page of the list asked for (Hires, or Mentors), and how many
// hires are without and with an active mentor in all.
type CoverageReply struct {
	List    string           `json:"list"`
	Hires   []CoverageHire   `json:"hires"`
	Mentors []CoverageMentor `json:"mentors"`
	PageInfo
	Without int `json:"without"`
	With    int `json:"with"`
}

// MentorshipSeedRequest sets up demo data idempotently: Mentor's profile, and (with Hire)
// an active mentorship proposed by Proposer, with Checkin logged once.
type MentorshipSeedRequest struct {
	Mentor   string          `json:"mentor"`
	Skills   []string        `json:"skills"`
	Capacity int             `json:"capacity"`
	Notes    string          `json:"notes,omitempty"`
	Hire     string          `json:"hire,omitempty"`
	Proposer string          `json:"proposer,omitempty"`
	Checkin  *CheckinRequest `json:"checkin,omitempty"`
}
