package identity

import (
	"fmt"
	"io"
	"sort"
	"time"

	"onramp.dev/events"
	"onramp.dev/infra/eventlog/modelsnap"
)

// Session is one sign-in: a document keyed by id in the sessions collection.
type Session struct {
	ID          string    `bson:"_id"`
	Seq         uint64    `bson:"seq"`
	Person      string    `bson:"person"`
	RefreshHash string    `bson:"refresh_hash,omitempty"`
	Started     time.Time `bson:"started"`
	ExpiresAt   time.Time `bson:"expires_at"`
	Ended       string    `bson:"ended,omitempty"` // reason
	// Spent are the hashes of refresh secrets already replaced, oldest first; Rotated is
	// when the last one was.
	Spent   []string  `bson:"spent,omitempty"`
	Rotated time.Time `bson:"rotated,omitempty"`
}

func (s Session) DocID() string { return s.ID }

// Live reports whether the session still admits requests at now.
func (s *Session) Live(now time.Time) bool { return s.Ended == "" && now.Before(s.ExpiresAt) }

// BrowserExpiry is when a browser session used at t expires: SessionIdle later, but never
// after SessionMaxAge from its start.
func BrowserExpiry(started, t time.Time) time.Time {
	exp, limit := t.Add(SessionIdle), started.Add(SessionMaxAge)
	if exp.After(limit) {
		return limit
	}
	return exp
}

// Sessions is the sessions model: every sign-in that may still matter, built from the
// SESSIONS stream. It is not safe for concurrent use; the server guards it.
type Sessions struct {
	sessions  map[string]*Session
	byRefresh map[string]string // refresh hash → session id
	spent     map[string]string // spent refresh hash → session id
}

// NewSessions returns an empty sessions model.
func NewSessions() *Sessions {
	return &Sessions{sessions: map[string]*Session{}, byRefresh: map[string]string{}, spent: map[string]string{}}
}

func (s *Sessions) load(x Session) {
	s.sessions[x.ID] = &x
	if x.RefreshHash != "" && x.Ended == "" {
		s.byRefresh[x.RefreshHash] = x.ID
	}
	for _, h := range x.Spent {
		s.spent[h] = x.ID
	}
}

// Len is how many sessions the model holds.
func (s *Sessions) Len() int { return len(s.sessions) }

// Session returns the session with id.
func (s *Sessions) Session(id string) (*Session, bool) { x, ok := s.sessions[id]; return x, ok }

// ByRefresh finds a session by its current refresh secret.
func (s *Sessions) ByRefresh(secret string) (*Session, bool) {
	id, ok := s.byRefresh[Hash(secret)]
	if !ok {
		return nil, false
	}
	return s.Session(id)
}

// BySpentRefresh finds the session a refresh secret belonged to before it was replaced,
// and whether it was the one replaced last.
func (s *Sessions) BySpentRefresh(secret string) (x *Session, last bool, ok bool) {
	h := Hash(secret)
	id, ok := s.spent[h]
	if !ok {
		return nil, false, false
	}
	x, ok = s.Session(id)
	return x, ok && len(x.Spent) > 0 && x.Spent[len(x.Spent)-1] == h, ok
}

// Live returns the ids of person's sessions that still admit requests at now.
func (s *Sessions) Live(person string, now time.Time) []string {
	var out []string
	for id, x := range s.sessions {
		if x.Person == person && x.Live(now) {
			out = append(out, id)
		}
	}
	sort.Strings(out)
	return out
}

// Apply folds one SESSIONS event, stored at stream sequence seq, into the model and returns
// the id of the session it concerns. A refresh moves a browser session's expiry to
// SessionIdle after it, within SessionMaxAge of its start. Events about a session the
// model does not hold (evicted, or whose start the stream no longer keeps) change nothing:
// such a session has expired.
func (s *Sessions) Apply(env events.Envelope, seq uint64) (string, error) {
	switch env.Type {
	case events.SessionStarted{}.EventType():
		var e events.SessionStarted
		if err := env.Payload(&e); err != nil {
			return "", err
		}
		if _, ok := s.sessions[env.Subject]; ok {
			return env.Subject, nil
		}
		s.sessions[env.Subject] = &Session{ID: env.Subject, Seq: seq, Person: e.Person, RefreshHash: e.RefreshHash, Started: env.Time, ExpiresAt: e.ExpiresAt}
		if e.RefreshHash != "" {
			s.byRefresh[e.RefreshHash] = env.Subject
		}
		return env.Subject, nil

	case events.SessionRefreshed{}.EventType():
		var e events.SessionRefreshed
		x, err := s.held(env, &e)
		if x == nil {
			return "", err
		}
		if seq > x.Seq {
			x.Seq, x.Rotated = seq, env.Time
			if x.RefreshHash != "" {
				delete(s.byRefresh, x.RefreshHash)
				x.Spent = append(x.Spent, x.RefreshHash)
				s.spent[x.RefreshHash] = x.ID
			}
			x.RefreshHash = e.RefreshHash
			if x.Ended == "" {
				s.byRefresh[e.RefreshHash] = x.ID
				x.ExpiresAt = BrowserExpiry(x.Started, env.Time)
			}
		}
		return x.ID, nil

	case events.SessionEnded{}.EventType():
		var e events.SessionEnded
		x, err := s.held(env, &e)
		if x == nil {
			return "", err
		}
		if seq > x.Seq {
			x.Seq, x.Ended = seq, e.Reason
			delete(s.byRefresh, x.RefreshHash)
		}
		return x.ID, nil
	}
	return "", fmt.Errorf("%w: the sessions stream does not hold event type %s", events.ErrInvalid, env.Type)
}

// Evict removes the sessions that expired before cutoff (they can never admit a request
// again, and their secrets can only be refused) and returns their ids.
func (s *Sessions) Evict(cutoff time.Time) []string {
	var out []string
	for id, x := range s.sessions {
		if x.ExpiresAt.Before(cutoff) {
			out = append(out, id)
			delete(s.byRefresh, x.RefreshHash)
			for _, h := range x.Spent {
				delete(s.spent, h)
			}
			delete(s.sessions, id)
		}
	}
	sort.Strings(out)
	return out
}

// held decodes env's payload into e and returns the session it concerns, or nil when the
// model does not hold that session (then the event changes nothing; see Apply).
func (s *Sessions) held(env events.Envelope, e events.Payload) (*Session, error) {
	if err := env.Payload(e); err != nil {
		return nil, err
	}
	return s.sessions[env.Subject], nil
}

// Snapshot writes every session that may still matter; Restore loads such a snapshot into
// an empty model. Sessions that expired a day before the newest one started can never
// admit a request again: the snapshot leaves them out.
func (s *Sessions) Snapshot(w io.Writer) error {
	var newest time.Time
	for _, x := range s.sessions {
		if x.Started.After(newest) {
			newest = x.Started
		}
	}
	var keep []*Session
	for _, x := range s.sessions {
		if !x.ExpiresAt.Before(newest.Add(-24 * time.Hour)) {
			keep = append(keep, x)
		}
	}
	return modelsnap.Save(w, keep)
}

// Restore loads a snapshot written by Snapshot.
func (s *Sessions) Restore(r io.Reader) error {
	snap, err := modelsnap.Load[[]*Session](r)
	if err != nil {
		return err
	}
	modelsnap.Each(snap, s.load)
	return nil
}
