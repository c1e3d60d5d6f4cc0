package events

import (
	"net/mail"
	"slices"
	"strings"
	"time"
)

// Roles a person can hold; a person may hold several.
const (
	RoleHire   = "hire"
	RoleLead   = "lead"
	RoleMentor = "mentor"
	RoleIT     = "it"
	RoleHR     = "hr"
	RoleAdmin  = "admin"
)

// Roles lists every role in display order.
var Roles = []string{RoleHire, RoleLead, RoleMentor, RoleIT, RoleHR, RoleAdmin}

// roleWords are the roles as people read them.
var roleWords = map[string]string{
	RoleHire: "New hire", RoleLead: "Team lead", RoleMentor: "Mentor", RoleIT: "IT", RoleHR: "HR", RoleAdmin: "Administrator",
}

// WordsOfRoles are roles as people read them ("Team lead"), in the order given; a role
// without words keeps its name.
func WordsOfRoles(roles []string) []string {
	out := make([]string, 0, len(roles))
	for _, role := range roles {
		if w, ok := roleWords[role]; ok {
			role = w
		}
		out = append(out, role)
	}
	return out
}

// ManagerRoles are the roles that manage the whole organisation — every person, team,
// onboarding, training and mentorship — where a lead manages their own team. Every
// service asks for them by this name.
var ManagerRoles = []string{RoleHR, RoleAdmin}

// DateLayout is how calendar dates (start dates, due dates) travel: 2026-11-22.
const DateLayout = time.DateOnly

// StaffHired: HR invited a person (identity.staff.hired v1). Subject: the person id.
type StaffHired struct {
	Email     string   `json:"email"`
	Name      string   `json:"name"`
	Roles     []string `json:"roles"`
	Team      string   `json:"team"`
	Lead      string   `json:"lead,omitempty"` // person id of their lead
	Track     string   `json:"track"`
	StartDate string   `json:"start_date"` // DateLayout
}

func (StaffHired) EventType() string { return "identity.staff.hired" }
func (StaffHired) EventVersion() int { return 1 }
func (e StaffHired) Validate() error {
	p := map[string]string{}
	if a, err := mail.ParseAddress(e.Email); err != nil || a.Address != e.Email || e.Email != strings.ToLower(e.Email) {
		p["email"] = "must be a plain lower-case e-mail address"
	}
	if strings.TrimSpace(e.Name) == "" || len(e.Name) > 200 {
		p["name"] = "must be 1–200 characters"
	}
	if len(e.Roles) == 0 {
		p["roles"] = "at least one role"
	}
	for _, r := range e.Roles {
		if !slices.Contains(Roles, r) {
			p["roles"] = "unknown role " + r
		}
	}
	if !IsToken(e.Team) {
		p["team"] = "must be a team id without spaces or dots"
	}
	if e.Lead != "" && !IsToken(e.Lead) {
		p["lead"] = "must be a person id"
	}
	if e.Track == "" {
		p["track"] = "is required"
	}
	if _, err := time.Parse(DateLayout, e.StartDate); err != nil {
		p["start_date"] = "must be a date like 2026-01-31"
	}
	return invalid(p)
}

// StaffDisabled: a person may no longer sign in; their sessions end at once.
type StaffDisabled struct {
	Reason string `json:"reason"`
}

func (StaffDisabled) EventType() string { return "identity.staff.disabled" }
func (StaffDisabled) EventVersion() int { return 1 }
func (e StaffDisabled) Validate() error {
	if strings.TrimSpace(e.Reason) == "" {
		return invalid(map[string]string{"reason": "is required"})
	}
	return nil
}

// StaffEnabled: a disabled person may sign in again (with the password they had, or a new
// set-password link). Sessions ended by the disabling stay ended.
type StaffEnabled struct {
	Reason string `json:"reason,omitempty"`
}

func (StaffEnabled) EventType() string { return "identity.staff.enabled" }
func (StaffEnabled) EventVersion() int { return 1 }
func (e StaffEnabled) Validate() error {
	if len(e.Reason) > MaxReason {
		return invalid(map[string]string{"reason": "is too long"})
	}
	return nil
}

// LinkIssued: a one-time set-password link was made for the person. Only the SHA-256 of
// the link's secret travels; the secret itself is shown once to whoever asked for it.
type LinkIssued struct {
	TokenHash string    `json:"token_hash"` // hex SHA-256 of the secret
	ExpiresAt time.Time `json:"expires_at"`
}

func (LinkIssued) EventType() string { return "identity.staff.link_issued" }
func (LinkIssued) EventVersion() int { return 1 }
func (e LinkIssued) Validate() error {
	p := map[string]string{}
	if len(e.TokenHash) != 64 {
		p["token_hash"] = "must be a hex SHA-256"
	}
	if e.ExpiresAt.IsZero() {
		p["expires_at"] = "is required"
	}
	return invalid(p)
}

// PasswordSet: the person chose a password using a link. Hash is an argon2id PHC string;
// the password itself never leaves the identity service.
type PasswordSet struct {
	Hash      string `json:"hash"`
	TokenHash string `json:"token_hash"` // the link used, now spent
}

func (PasswordSet) EventType() string { return "identity.staff.password_set" }
func (PasswordSet) EventVersion() int { return 1 }
func (e PasswordSet) Validate() error {
	p := map[string]string{}
	if !strings.HasPrefix(e.Hash, "$argon2id$") {
		p["hash"] = "must be an argon2id hash"
	}
	if len(e.TokenHash) != 64 {
		p["token_hash"] = "must be a hex SHA-256"
	}
	return invalid(p)
}

// SessionStarted: a person signed in (browser or API token). Subject: the session id.
type SessionStarted struct {
	Person      string    `json:"person"`
	RefreshHash string    `json:"refresh_hash,omitempty"` // hex SHA-256 of the refresh secret (browser sessions)
	ExpiresAt   time.Time `json:"expires_at"`
	Client      string    `json:"client,omitempty"` // client address, for the audit trail
}

func (SessionStarted) EventType() string { return "identity.session.started" }
func (SessionStarted) EventVersion() int { return 1 }
func (e SessionStarted) Validate() error {
	p := map[string]string{}
	if !IsToken(e.Person) {
		p["person"] = "is required"
	}
	if e.ExpiresAt.IsZero() {
		p["expires_at"] = "is required"
	}
	return invalid(p)
}

// SessionRefreshed: a browser session's refresh secret was used and replaced by a new one.
// The previous secret is spent: using it again (outside a short grace for parallel
// requests) is taken as theft and ends the session. Subject: the session id.
type SessionRefreshed struct {
	RefreshHash string `json:"refresh_hash"` // hex SHA-256 of the new secret
}

func (SessionRefreshed) EventType() string { return "identity.session.refreshed" }
func (SessionRefreshed) EventVersion() int { return 1 }
func (e SessionRefreshed) Validate() error {
	if len(e.RefreshHash) != 64 {
		return invalid(map[string]string{"refresh_hash": "must be a hex SHA-256"})
	}
	return nil
}

// SessionEnded: the person signed out (or the session was revoked).
type SessionEnded struct {
	Reason string `json:"reason"`
}

func (SessionEnded) EventType() string { return "identity.session.ended" }
func (SessionEnded) EventVersion() int { return 1 }
func (e SessionEnded) Validate() error {
	if e.Reason == "" {
		return invalid(map[string]string{"reason": "is required"})
	}
	return nil
}
