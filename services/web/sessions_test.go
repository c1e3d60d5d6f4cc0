package web

import (
	"encoding/base64"
	"encoding/json"
	"testing"
	"time"

	"onramp.dev/events"
	"onramp.dev/events/identityapi"
)

// fakeToken is a token-shaped string with the claims web reads (the signature is
// identity's business).
func fakeToken(sid string, exp time.Time) string {
	b, _ := json.Marshal(map[string]any{"sid": sid, "exp": exp.Unix(), "sub": "x"})
	return "e30." + base64.RawURLEncoding.EncodeToString(b) + ".sig"
}

// The cache forgets an answer when its time is up, when the token expires first, and when
// its session or person is forgotten — and keeps no answer asked for before a forget.
func TestSessionCacheForgets(t *testing.T) {
	now := time.Date(2026, 12, 2, 9, 0, 0, 0, time.UTC)
	ada, bob := identityapi.Session{Person: events.Person{ID: "ada", Active: true}}, identityapi.Session{Person: events.Person{ID: "bob", Active: true}}
	a1, a2 := fakeToken("s-a1", now.Add(15*time.Minute)), fakeToken("s-a2", now.Add(15*time.Minute))
	a1again := fakeToken("s-a1", now.Add(20*time.Minute)) // the same session, refreshed
	b1, soon := fakeToken("s-b1", now.Add(15*time.Minute)), fakeToken("s-b2", now.Add(2*time.Second))
	for _, tc := range []struct {
		name    string
		act     func(c *sessionCache)
		after   time.Duration
		kept    []string
		dropped []string
	}{
		{"nothing happens", func(*sessionCache) {}, time.Second, []string{a1, a2, a1again, b1, soon}, nil},
		{"time is up", func(*sessionCache) {}, 5 * time.Second, nil, []string{a1, a2, a1again, b1, soon}},
		{"the token expires first", func(*sessionCache) {}, 3 * time.Second, []string{a1, a2, a1again, b1}, []string{soon}},
		{"signed out here", func(c *sessionCache) { c.forgetToken(a1) }, 0, []string{a2, b1, soon}, []string{a1, a1again}},
		{"session ended elsewhere", func(c *sessionCache) { c.forgetSession("s-a2") }, 0, []string{a1, a1again, b1, soon}, []string{a2}},
		{"person changed", func(c *sessionCache) { c.forgetPerson("ada") }, 0, []string{b1, soon}, []string{a1, a2, a1again}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := newSessionCache(sessionTTL)
			c.now = func() time.Time { return now }
			for tok, p := range map[string]identityapi.Session{a1: ada, a2: ada, a1again: ada, b1: bob, soon: bob} {
				c.put(c.generation(), tok, p)
			}
			tc.act(c)
			c.now = func() time.Time { return now.Add(tc.after) }
			for _, tok := range tc.kept {
				if _, ok := c.get(tok); !ok {
					t.Errorf("%s forgotten", tok)
				}
			}
			for _, tok := range tc.dropped {
				if _, ok := c.get(tok); ok {
					t.Errorf("%s still kept", tok)
				}
			}
		})
	}

	// An answer identity gave before a forget is not kept: it may predate the sign-out.
	c := newSessionCache(sessionTTL)
	gen := c.generation()
	c.forgetSession("s-a1")
	c.put(gen, a1, ada)
	if _, ok := c.get(a1); ok {
		t.Error("an answer from before a forget was kept")
	}
	// Off (web not listening for identity's events): nothing is kept.
	off := newSessionCache(0)
	off.put(off.generation(), a1, ada)
	if _, ok := off.get(a1); ok {
		t.Error("a cache without a time kept an answer")
	}
}
