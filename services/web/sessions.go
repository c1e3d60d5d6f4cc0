package web

import (
	"encoding/base64"
	"encoding/json"
	"strings"
	"sync"
	"time"

	"github.com/nats-io/nats.go"

	"onramp.dev/events"
	"onramp.dev/events/identityapi"
)

// Verified sessions. Every signed-in request used to ask identity whether its access token
// is genuine and its session live — an Ed25519 check that was a quarter of a dashboard's
// cost. Web now keeps identity's answer for a token briefly and forgets it as soon as it
// learns the answer may have changed:
//
//   - at once, for a sign-out or a disabling made through this web process;
//   - as soon as identity's event arrives, for one made anywhere else (another web
//     process, the admin CLI, a session ended as stolen): web listens to the session-ended
//     events and to every event about a person (disabled, roles or team changed);
//   - and at the latest after sessionTTL, if such an event were lost (a reconnect), or
//     when the token expires, whichever is sooner.
//
// The services behind web verify the token themselves and check that its person is active
// on every request; this cache only spares web's own round trip to identity.
const (
	sessionTTL  = 5 * time.Second
	maxSessions = 4096
)

type sessionCache struct {
	ttl time.Duration
	now func() time.Time

	mu      sync.Mutex
	entries map[string]cachedSession // by access token
	gen     uint64                   // moved by every forget: an answer asked for before one is not kept
	subs    []*nats.Subscription
}

type cachedSession struct {
	person  identityapi.Session
	session string
	until   time.Time
}

func newSessionCache(ttl time.Duration) *sessionCache {
	return &sessionCache{ttl: ttl, now: time.Now, entries: map[string]cachedSession{}}
}

// get returns the person token was verified for, if that answer is still held.
func (c *sessionCache) get(token string) (identityapi.Session, bool) {
	if c.ttl <= 0 {
		return identityapi.Session{}, false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.entries[token]
	if !ok {
		return identityapi.Session{}, false
	}
	if !c.now().Before(e.until) {
		delete(c.entries, token)
		return identityapi.Session{}, false
	}
	return e.person, true
}

// generation is read before asking identity, and given back to put.
func (c *sessionCache) generation() uint64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.gen
}

// put keeps identity's answer for token, unless something was forgotten since gen (the
// answer may predate a sign-out or a disabling that raced with it).
func (c *sessionCache) put(gen uint64, token string, p identityapi.Session) {
	if c.ttl <= 0 {
		return
	}
	sid, exp := tokenSession(token)
	now := c.now()
	until := now.Add(c.ttl)
	if !exp.IsZero() && exp.Before(until) {
		until = exp
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if gen != c.gen {
		return
	}
	if len(c.entries) >= maxSessions {
		for k, e := range c.entries {
			if !now.Before(e.until) {
				delete(c.entries, k)
			}
		}
		if len(c.entries) >= maxSessions {
			clear(c.entries)
		}
	}
	c.entries[token] = cachedSession{person: p, session: sid, until: until}
}

// forget drops the answers drop names, and keeps none of those being asked for now.
func (c *sessionCache) forget(drop func(token string, e cachedSession) bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gen++
	for k, e := range c.entries {
		if drop(k, e) {
			delete(c.entries, k)
		}
	}
}

// forgetToken drops the answers for token's session (a sign-out through this process).
func (c *sessionCache) forgetToken(token string) {
	sid, _ := tokenSession(token)
	c.forget(func(k string, e cachedSession) bool { return k == token || (sid != "" && e.session == sid) })
}

func (c *sessionCache) forgetSession(sid string) {
	c.forget(func(_ string, e cachedSession) bool { return e.session == sid })
}

func (c *sessionCache) forgetPerson(id string) {
	c.forget(func(_ string, e cachedSession) bool { return e.person.ID == id })
}

// listen subscribes to identity's events that end sessions or change people.
func (c *sessionCache) listen(nc *nats.Conn) error {
	if nc == nil || c.ttl <= 0 {
		return nil
	}
	for _, s := range []struct {
		subject string
		forget  func(id string)
	}{
		{events.TypeFilter(events.SessionEnded{}.EventType()), c.forgetSession},
		{events.RecordFilter("identity", "staff", "*"), c.forgetPerson},
	} {
		sub, err := nc.Subscribe(s.subject, func(msg *nats.Msg) {
			// onramp.identity.<entity>.<id>.<verb>
			if parts := strings.Split(msg.Subject, "."); len(parts) >= 5 {
				s.forget(parts[3])
			}
		})
		if err != nil {
			c.close()
			return err
		}
		c.subs = append(c.subs, sub)
	}
	return nil
}

func (c *sessionCache) close() {
	for _, s := range c.subs {
		_ = s.Unsubscribe()
	}
	c.subs = nil
}

// tokenSession reads the session id and expiry from an access token's claims, without
// checking the signature: only for tokens identity has just verified.
func tokenSession(token string) (sid string, exp time.Time) {
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		return "", time.Time{}
	}
	raw, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		return "", time.Time{}
	}
	var claims struct {
		Session string `json:"sid"`
		Exp     int64  `json:"exp"`
	}
	if json.Unmarshal(raw, &claims) != nil {
		return "", time.Time{}
	}
	if claims.Exp > 0 {
		exp = time.Unix(claims.Exp, 0)
	}
	return claims.Session, exp
}
