package server

import (
	"context"
	"crypto/ed25519"
	"encoding/json"
	"log/slog"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"go.mongodb.org/mongo-driver/v2/mongo"

	"onramp.dev/events"
	"onramp.dev/events/identityapi"
	"onramp.dev/infra/authn"
	"onramp.dev/infra/devstack/devstacktest"
	"onramp.dev/infra/eventlog"
	"onramp.dev/infra/eventlog/eventlogtest"
	"onramp.dev/infra/rpc"
	"onramp.dev/infra/servicetest"
	"onramp.dev/infra/store"
	"onramp.dev/services/identity"
)

// clocked starts identity on env with a clock the test moves. Access tokens are verified
// against the real clock, so the clock starts a minute in the past.
func clocked(t *testing.T, env *devstacktest.Env) (*Main, func(time.Duration)) {
	t.Helper()
	clock := servicetest.NewClock(time.Now().Add(-time.Minute))
	m := servicetest.Run[*Main](t)(New(env.NATS, env.Mongo.Database("identity"), slog.New(slog.DiscardHandler), Config{Now: clock.Now}))
	return m, clock.Add
}

func streamMsgs(t *testing.T, js jetstream.JetStream, name string) uint64 {
	t.Helper()
	return servicetest.StreamMsgs(t, js, name, "")
}

func browserLogin(t *testing.T, f fixture, email, password string) events.TokenReply {
	t.Helper()
	return must[events.TokenReply](t)(call[events.TokenReply](t, f, events.OpLogin, rpc.Caller{},
		events.LoginRequest{Email: email, Password: password, Client: "c", Browser: true}))
}

func alive(t *testing.T, f fixture, tok string) bool {
	t.Helper()
	_, err := call[events.Person](t, f, events.OpSession, rpc.Caller{Token: tok}, nil)
	return err == nil
}

// Signing in, refreshing and signing out append to SESSIONS, never to IDENTITY, whose
// record holds people only; SESSIONS keeps a session's events as long as it may live.
func TestSignInsLeaveTheIdentityStreamAlone(t *testing.T) {
	f := setup(t)
	hr := seedHR(t, f)
	ensure(t, f, "ada@example.org", "a good long password")
	js, _ := jetstream.New(f.env.NATS)
	people, sessions := streamMsgs(t, js, "IDENTITY"), streamMsgs(t, js, "SESSIONS")
	for range 5 {
		s := browserLogin(t, f, "ada@example.org", "a good long password")
		r := must[events.TokenReply](t)(call[events.TokenReply](t, f, events.OpRefresh, rpc.Caller{}, events.RefreshRequest{Refresh: s.Refresh}))
		must[empty](t)(call[empty](t, f, events.OpLogout, rpc.Caller{Token: r.Token}, events.RefreshRequest{Refresh: r.Refresh}))
	}
	must[identityapi.PeopleReply](t)(call[identityapi.PeopleReply](t, f, events.OpPeopleList, hr, nil))
	if got := streamMsgs(t, js, "IDENTITY"); got != people {
		t.Fatalf("IDENTITY went from %d to %d messages over 5 sign-ins", people, got)
	}
	if got := streamMsgs(t, js, "SESSIONS"); got != sessions+15 {
		t.Fatalf("SESSIONS went from %d to %d messages, want +15 (started, refreshed, ended × 5)", sessions, got)
	}
	s, _ := js.Stream(context.Background(), "SESSIONS")
	info, _ := s.Info(context.Background())
	if info.Config.MaxAge < identity.SessionMaxAge || info.Config.MaxAge == 0 {
		t.Fatalf("SESSIONS keeps messages for %v; a session lives up to %v", info.Config.MaxAge, identity.SessionMaxAge)
	}
	if got := events.StreamFor(events.SessionStarted{}.EventType()); got != "SESSIONS" {
		t.Fatalf("session events go to %q", got)
	}
}

// A browser session outlives a restart of identity, from the snapshot and from a full
// replay of SESSIONS, and a spent refresh secret is still recognised as reuse.
func TestSessionSurvivesARestart(t *testing.T) {
	env := devstacktest.Start(t)
	m := start(t, env, "identity", "")
	f := fixture{env, m}
	ensure(t, f, "ada@example.org", "a good long password")
	s := browserLogin(t, f, "ada@example.org", "a good long password")
	r := must[events.TokenReply](t)(call[events.TokenReply](t, f, events.OpRefresh, rpc.Caller{}, events.RefreshRequest{Refresh: s.Refresh}))
	_ = m.Close() // saves the snapshots
	ctx := context.Background()
	js, _ := jetstream.New(env.NATS)
	for _, c := range []struct {
		name   string
		forget bool
	}{{"from the snapshot", false}, {"from the whole stream, store lost", true}} {
		t.Run(c.name, func(t *testing.T) {
			if c.forget {
				if err := eventlog.Forget(ctx, js, "SESSIONS", store.NewCheckpoint(env.Mongo.Database("identity"), "SESSIONS")); err != nil {
					t.Fatal(err)
				}
			}
			m2 := start(t, env, "identity", "")
			f2 := fixture{env, m2}
			if !alive(t, f2, r.Token) {
				t.Fatal("the access token's session is gone after the restart")
			}
			next := must[events.TokenReply](t)(call[events.TokenReply](t, f2, events.OpRefresh, rpc.Caller{}, events.RefreshRequest{Refresh: r.Refresh}))
			r = next
			waitFor(t, func() bool {
				d, found, err := m2.sess.Get(ctx, m2.sessionOf(t, r.Refresh))
				return err == nil && found && d.RefreshHash == identity.Hash(r.Refresh)
			})
			_ = m2.Close()
		})
	}
	m3 := start(t, env, "identity", "")
	f3 := fixture{env, m3}
	if _, err := call[events.TokenReply](t, f3, events.OpRefresh, rpc.Caller{}, events.RefreshRequest{Refresh: s.Refresh}); code(err) != events.CodeUnauthorized {
		t.Fatalf("the first, long spent secret after restarts: %v", err)
	}
	if alive(t, f3, r.Token) {
		t.Fatal("the session survived the reuse of a spent secret after restarts")
	}
}

// sessionOf is the id of the session whose current refresh secret this is.
func (m *Main) sessionOf(t *testing.T, refresh string) string {
	t.Helper()
	id := m.refreshSession(refresh)
	if id == "" {
		t.Fatal("no session has this refresh secret")
	}
	return id
}

// A browser session ends after SessionIdle without use; each use moves that on. Long
// expired sessions leave memory and the store.
func TestSessionExpiresWhenIdle(t *testing.T) {
	env := devstacktest.Start(t)
	m, advance := clocked(t, env)
	f := fixture{env, m}
	ensure(t, f, "ada@example.org", "a good long password")
	s := browserLogin(t, f, "ada@example.org", "a good long password")
	sid := m.sessionOf(t, s.Refresh)
	advance(identity.SessionIdle - time.Minute)
	r := must[events.TokenReply](t)(call[events.TokenReply](t, f, events.OpRefresh, rpc.Caller{}, events.RefreshRequest{Refresh: s.Refresh}))
	advance(identity.SessionIdle - time.Minute) // 24 h after sign-in, but used 12 h ago
	r = must[events.TokenReply](t)(call[events.TokenReply](t, f, events.OpRefresh, rpc.Caller{}, events.RefreshRequest{Refresh: r.Refresh}))
	advance(identity.SessionIdle)
	if _, err := call[events.TokenReply](t, f, events.OpRefresh, rpc.Caller{}, events.RefreshRequest{Refresh: r.Refresh}); code(err) != events.CodeUnauthorized {
		t.Fatalf("refresh after 12 h idle: %v", err)
	}
	ctx := context.Background()
	if err := m.sl.FlushNow(ctx); err != nil {
		t.Fatal(err)
	}
	if _, found, _ := m.sess.Get(ctx, sid); !found {
		t.Fatal("the session was never stored")
	}
	held := func() (ok bool) { m.sl.Read(func() { _, ok = m.sessions.Session(sid) }); return ok }
	m.SweepSessions() // (the API session ensure signed in with expired 36 h ago: it goes)
	if !held() {
		t.Fatal("a session swept less than a day after it expired")
	}
	advance(sweepAfter + time.Minute)
	if n := m.SweepSessions(); n != 1 || held() {
		t.Fatalf("%d sessions swept; the idle one still held: %v", n, held())
	}
	if err := m.sl.FlushNow(ctx); err != nil {
		t.Fatal(err)
	}
	if _, found, _ := m.sess.Get(ctx, sid); found {
		t.Fatal("a swept session is still stored")
	}
}

// Disabling a person ends their sessions: enabling them again does not bring them back.
func TestDisablingEndsThePersonsSessions(t *testing.T) {
	f := setup(t)
	hr := seedHR(t, f)
	ada, _ := ensure(t, f, "ada@example.org", "a good long password")
	a, b := browserLogin(t, f, "ada@example.org", "a good long password"), browserLogin(t, f, "ada@example.org", "a good long password")
	ids := []string{f.m.sessionOf(t, a.Refresh), f.m.sessionOf(t, b.Refresh)}
	must[events.Person](t)(call[events.Person](t, f, events.OpDisable, hr, events.DisableRequest{ID: ada.ID, Reason: "left"}))
	f.m.sl.Read(func() {
		for _, id := range ids {
			if x, ok := f.m.sessions.Session(id); !ok || x.Ended != "account disabled" {
				t.Errorf("session %s after disabling: %+v", id, x)
			}
		}
	})
	must[events.Person](t)(call[events.Person](t, f, events.OpEnable, hr, events.DisableRequest{ID: ada.ID}))
	for _, tok := range []events.TokenReply{a, b} {
		if alive(t, f, tok.Token) {
			t.Error("a session from before the disabling admits requests after re-enabling")
		}
		if _, err := call[events.TokenReply](t, f, events.OpRefresh, rpc.Caller{}, events.RefreshRequest{Refresh: tok.Refresh}); code(err) != events.CodeUnauthorized {
			t.Errorf("refresh of an ended session: %v", err)
		}
	}
	if !alive(t, f, browserLogin(t, f, "ada@example.org", "a good long password").Token) {
		t.Error("a re-enabled person cannot sign in")
	}
}

// The sessions model passes the same conformance suite as every domain model: a refresh
// after poison on the session's subject, a second replica with a stale view, a crash
// between append and projection, restarts from the snapshot, a lost store, a full replay.
func TestSessionsEventLogConformance(t *testing.T) {
	env := devstacktest.Start(t)
	f := fixture{env: env}
	var sid, secret string
	eventlogtest.Run(t, env, eventlogtest.Service{
		Stream: "SESSIONS", DB: "identity", Own: []string{"keys", "people"}, // people: IDENTITY's
		Record: func() string { return "onramp.identity.session." + sid + ".poisoned" },
		New: func(t *testing.T, nc *nats.Conn, db *mongo.Database) (eventlogtest.Main, *eventlog.Log) {
			m, err := New(nc, db, slog.New(slog.DiscardHandler), Config{})
			if err != nil {
				t.Fatal(err)
			}
			return m, m.sl
		},
		Command: func(t *testing.T, n int) error {
			if n == 0 {
				ensure(t, f, "ada@example.org", "a good long password")
				s := browserLogin(t, f, "ada@example.org", "a good long password")
				claims, err := f.verifier(t).Verify(context.Background(), s.Token)
				if err != nil {
					return err
				}
				sid, secret = claims.Session, s.Refresh
				return nil
			}
			r, err := call[events.TokenReply](t, f, events.OpRefresh, rpc.Caller{}, events.RefreshRequest{Refresh: secret})
			if err == nil {
				secret = r.Refresh
			}
			return err
		},
	})
}

// verifier checks tokens with the signing keys identity publishes now.
func (f fixture) verifier(t *testing.T) *authn.Verifier {
	return authn.NewVerifier(func(context.Context) (map[string]ed25519.PublicKey, error) {
		keys, err := call[events.KeysReply](t, f, events.OpKeys, rpc.Caller{}, nil)
		out := map[string]ed25519.PublicKey{}
		for _, k := range keys.Keys {
			out[k.KID] = k.Ed25519
		}
		return out, err
	})
}

// A data dir from before SESSIONS: IDENTITY holds people and session events alike, and the
// store holds session documents. Identity starts cleanly on it: the stream keeps its
// record, the people model skips the old session events (nothing rejected), the old
// sessions are gone (their holders sign in again), and new sign-ins go to SESSIONS.
func TestDataDirFromBeforeSessionsHadTheirOwnStream(t *testing.T) {
	env := devstacktest.Start(t)
	ctx := context.Background()
	js, _ := jetstream.New(env.NATS)
	if _, err := js.CreateStream(ctx, jetstream.StreamConfig{Name: "IDENTITY", Subjects: []string{"onramp.identity.>"}, AllowDirect: true}); err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	hash := identity.HashPassword("a good long password")
	old := []struct {
		subject string
		p       events.Payload
	}{
		{"p1", events.StaffHired{Email: "ada@example.org", Name: "Ada", Roles: []string{events.RoleHire}, Team: "platform", Track: "infrastructure", StartDate: "2026-12-01"}},
		{"p1", events.PasswordSet{Hash: hash, TokenHash: identity.Hash("link")}},
		{"s1", events.SessionStarted{Person: "p1", RefreshHash: identity.Hash("old-refresh"), ExpiresAt: now.Add(time.Hour)}},
		{"s1", events.SessionRefreshed{RefreshHash: identity.Hash("newer-refresh")}},
	}
	for _, o := range old {
		env, err := events.New("p1", o.subject, o.p, now)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := json.Marshal(env)
		if _, err := js.Publish(ctx, events.Subject(env.Type, env.Subject), body); err != nil {
			t.Fatal(err)
		}
	}
	db := env.Mongo.Database("identity")
	if err := store.NewCollection[identity.Session](db, "sessions").Put(ctx, identity.Session{ID: "s1", Person: "p1", ExpiresAt: now.Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}

	m := start(t, env, "identity", "")
	f := fixture{env, m}
	if rejected := m.el.Rejected(); len(rejected) != 0 {
		t.Fatalf("the people model rejected %v", rejected)
	}
	if n := streamMsgs(t, js, "IDENTITY"); n != uint64(len(old)) {
		t.Fatalf("IDENTITY holds %d messages, want the %d it had", n, len(old))
	}
	if _, err := call[events.TokenReply](t, f, events.OpRefresh, rpc.Caller{}, events.RefreshRequest{Refresh: "newer-refresh"}); code(err) != events.CodeUnauthorized {
		t.Fatalf("an old session's refresh: %v", err)
	}
	if _, found, _ := m.sess.Get(ctx, "s1"); found {
		t.Fatal("the old session document is still stored")
	}
	s := browserLogin(t, f, "ada@example.org", "a good long password")
	if !alive(t, f, s.Token) {
		t.Fatal("signing in again does not work")
	}
	if n := streamMsgs(t, js, "IDENTITY"); n != uint64(len(old)) {
		t.Fatalf("a new sign-in went to IDENTITY (%d messages)", n)
	}
}
