package events

import (
	"encoding/json"
	"errors"
	"fmt"
)

// Request-reply contracts. Queries and commands travel as NATS requests on
// onramp.rpc.<service>.<operation> — outside every stream's subjects, so they are never
// stored. A request carries the caller's access token in the Authorization header (or
// CallerSystem for trusted tools); every reply is a Reply.
const RPCPrefix = "onramp.rpc"

// RPC returns the request subject of a service's operation.
func RPC(service, op string) string { return RPCPrefix + "." + service + "." + op }

// Headers on requests.
const (
	HeaderAuthorization = "Authorization" // "Bearer <jwt>"
	HeaderCaller        = "Onramp-Caller" // CallerSystem for seeding and admin tools
	CallerSystem        = "system"
)

// Error codes, mapped to HTTP statuses in exactly one place (the web service).
const (
	CodeBadRequest   = "bad_request"
	CodeUnauthorized = "unauthorized"
	CodeForbidden    = "forbidden"
	CodeNotFound     = "not_found"
	CodeConflict     = "conflict"
	CodeGone         = "gone"
	CodeInvalid      = "invalid"
	CodeTooMany      = "too_many_requests"
	CodeTooLarge     = "too_large"          // a request body over its limit
	CodeMethod       = "method_not_allowed" // the route exists for other methods
	CodeUnavailable  = "unavailable"
	CodeInternal     = "internal"
)

// Error is a failure a caller can act on. Fields maps input field names to problems.
type Error struct {
	Code    string            `json:"code"`
	Message string            `json:"message"`
	Fields  map[string]string `json:"fields,omitempty"`
	// RetryAfter, in seconds, for CodeTooMany.
	RetryAfter int `json:"retry_after,omitempty"`
}

func (e *Error) Error() string {
	s := e.Code + ": " + e.Message
	if len(e.Fields) > 0 {
		keys := make([]string, 0, len(e.Fields))
		for k := range e.Fields {
			keys = append(keys, k)
		}
		sortStrings(keys)
		for _, k := range keys {
			s += " [" + k + ": " + e.Fields[k] + "]"
		}
	}
	return s
}

// Errorf builds an *Error.
func Errorf(code, format string, a ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, a...)}
}

// CodeOf returns the code of err if it is (or wraps) an *Error, else CodeInternal.
func CodeOf(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return CodeInternal
}

// Reply is the body of every request-reply answer: Data or Error.
type Reply struct {
	Data  json.RawMessage `json:"data,omitempty"`
	Error *Error          `json:"error,omitempty"`
}

// Identity operations (service "identity").
const (
	OpKeys          = "keys"           // → KeysReply
	OpKeysRotate    = "keys.rotate"    // (system) → KeysReply with the new key
	OpLogin         = "login"          // LoginRequest → TokenReply
	OpRefresh       = "refresh"        // RefreshRequest → TokenReply
	OpSession       = "session"        // → identityapi.Session (the caller, if the session is live, and the sections they may open)
	OpLogout        = "logout"         // SessionRequest → {}
	OpPeopleList    = "people.list"    // PeopleRequest → identityapi.PeopleReply (one page, scoped to the caller)
	OpPeopleGet     = "people.get"     // PersonRequest → Person
	OpPeopleVisible = "people.visible" // PeopleIDs → PeopleIDs (those of the ids whose profile the caller may open)
	OpTeams         = "people.teams"   // → TeamsReply (the teams the caller may see)
	OpInvite        = "people.invite"  // InviteRequest → InviteReply
	OpIssueLink     = "people.link"    // PersonRequest → InviteReply
	OpDisable       = "people.disable" // DisableRequest → Person
	OpEnable        = "people.enable"  // DisableRequest → Person (re-enable a disabled person)
	OpLinkCheck     = "password.link"  // LinkRequest → Person (name only)
	OpSetPassword   = "password.set"   // SetPasswordRequest → {}
	OpEnsurePerson  = "admin.ensure"   // EnsureRequest → Person; CallerSystem only (seeding)
	IdentityService = "identity"
)

// PublicKey is one token-signing key, by key id.
type PublicKey struct {
	KID       string `json:"kid"`
	Ed25519   []byte `json:"ed25519"` // raw 32-byte public key
	NotBefore string `json:"not_before,omitempty"`
}

type KeysReply struct {
	Keys []PublicKey `json:"keys"`
}

type LoginRequest struct {
	Email    string `json:"email"`
	Password string `json:"password"`
	Client   string `json:"client"`  // client address, for rate limiting
	Browser  bool   `json:"browser"` // also issue a refresh secret for a cookie session
	// Refresh is the browser's refresh secret from an earlier session, if it has one: a
	// device the account signed in on before passes the per-account ceiling.
	Refresh string `json:"refresh,omitempty"`
}

type TokenReply struct {
	Token            string `json:"token"`
	ExpiresAt        string `json:"expires_at"` // RFC 3339
	Refresh          string `json:"refresh,omitempty"`
	RefreshExpiresAt string `json:"refresh_expires_at,omitempty"`
}

type RefreshRequest struct {
	Refresh string `json:"refresh"`
}

type SessionRequest struct {
	Session string `json:"session"`
}

// Person is how identity shows a person to other services.
type Person struct {
	ID            string   `json:"id"`
	Email         string   `json:"email"`
	Name          string   `json:"name"`
	Roles         []string `json:"roles"`
	Team          string   `json:"team"`
	Lead          string   `json:"lead,omitempty"`
	Track         string   `json:"track,omitempty"`
	StartDate     string   `json:"start_date,omitempty"`
	Active        bool     `json:"active"`
	NeedsPassword bool     `json:"needs_password"`
}

// PeopleRequest asks for one page of the people the caller may see, sorted by Sort (one of
// PeopleSorts; empty: by name), then name and id; Query searches names and e-mail
// addresses, Team and Role filter, and Active keeps only people who are not disabled.
type PeopleRequest struct {
	Page
	Team   string `json:"team,omitempty"`
	Role   string `json:"role,omitempty"`
	Active bool   `json:"active,omitempty"`
	Sort   string `json:"sort,omitempty"`
}

// PeopleSorts are the orders the people list comes in.
var PeopleSorts = []string{"name", "team", "start_date"}

// TeamsReply lists team ids.
type TeamsReply struct {
	Items []string `json:"items"`
}

type PersonRequest struct {
	ID string `json:"id"`
}

// PeopleIDs are people by id: the question of people.visible (at most MaxVisibleIDs) and
// its answer, and mentorship's partners.
type PeopleIDs struct {
	IDs []string `json:"ids"`
}

// MaxVisibleIDs is how many people one people.visible question may name: a page's worth.
const MaxVisibleIDs = 1000

// InviteRequest is HR's invite form. Roles defaults to [hire].
type InviteRequest struct {
	Email     string   `json:"email"`
	Name      string   `json:"name"`
	Track     string   `json:"track"`
	Team      string   `json:"team"`
	Lead      string   `json:"lead"`
	StartDate string   `json:"start_date"`
	Roles     []string `json:"roles,omitempty"`
}

// InviteReply carries the one-time set-password link secret, shown once.
type InviteReply struct {
	Person    Person `json:"person"`
	LinkToken string `json:"link_token"`
	ExpiresAt string `json:"expires_at"`
}

type DisableRequest struct {
	ID     string `json:"id"`
	Reason string `json:"reason"`
}

type LinkRequest struct {
	Token string `json:"token"`
}

type SetPasswordRequest struct {
	Token    string `json:"token"`
	Password string `json:"password"`
}

// EnsureRequest creates a person with a password unless one with that email exists.
type EnsureRequest struct {
	InviteRequest
	ID       string `json:"id,omitempty"` // a fixed id (demo data); empty: a new UUID
	Password string `json:"password"`
}
