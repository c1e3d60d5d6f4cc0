package server

import (
	"context"
	"crypto/ed25519"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"go.mongodb.org/mongo-driver/v2/mongo"

	"onramp.dev/events"
	"onramp.dev/events/identityapi"
	"onramp.dev/infra/authn"
	"onramp.dev/infra/bus"
	"onramp.dev/infra/devstack/devstacktest"
	"onramp.dev/infra/eventlog"
	"onramp.dev/infra/eventlog/eventlogtest"
	"onramp.dev/infra/rpc"
	"onramp.dev/infra/servicetest"
	"onramp.dev/infra/store"
	"onramp.dev/services/identity"
)

type fixture struct {
	env *devstacktest.Env
	m   *Main
}

func start(t *testing.T, env *devstacktest.Env, db, durable string) *Main {
	t.Helper()
	return servicetest.Run[*Main](t)(New(env.NATS, env.Mongo.Database(db), slog.New(slog.DiscardHandler), Config{}))
}

func setup(t *testing.T) fixture {
	env := devstacktest.Start(t)
	return fixture{env: env, m: start(t, env, "identity", "")}
}

func call[Resp any](t *testing.T, f fixture, op string, c rpc.Caller, req any) (Resp, error) {
	t.Helper()
	return servicetest.Call[Resp](f.env.NATS, events.IdentityService, op, c, req)
}

func must[T any](t *testing.T) func(T, error) T { return servicetest.Must[T](t) }

func code(err error) string { return events.CodeOf(err) }

var system = servicetest.System

func seedHR(t *testing.T, f fixture) rpc.Caller {
	t.Helper()
	must[events.Person](t)(call[events.Person](t, f, events.OpEnsurePerson, system, events.EnsureRequest{
		InviteRequest: events.InviteRequest{Email: "hr@example.org", Name: "Hana HR", Track: "project", Team: "people", StartDate: "2026-01-05", Roles: []string{"hr"}},
		Password:      "hr-password",
	}))
	tok := must[events.TokenReply](t)(call[events.TokenReply](t, f, events.OpLogin, rpc.Caller{}, events.LoginRequest{Email: "HR@example.org", Password: "hr-password", Client: "test"}))
	return rpc.Caller{Token: tok.Token}
}

func TestInviteSetPasswordLoginJourney(t *testing.T) {
	f := setup(t)
	hr := seedHR(t, f)
	inv := must[events.InviteReply](t)(call[events.InviteReply](t, f, events.OpInvite, hr, events.InviteRequest{
		Email: "ada@example.org", Name: "Ada", Track: "infrastructure", Team: "platform", StartDate: "2026-12-01",
	}))
	if inv.LinkToken == "" || !inv.Person.NeedsPassword {
		t.Fatalf("invite = %+v", inv)
	}
	// Unknown user and wrong password get the same answer.
	_, e1 := call[events.TokenReply](t, f, events.OpLogin, rpc.Caller{}, events.LoginRequest{Email: "ada@example.org", Password: "whatever1", Client: "c1"})
	_, e2 := call[events.TokenReply](t, f, events.OpLogin, rpc.Caller{}, events.LoginRequest{Email: "nobody@example.org", Password: "whatever1", Client: "c1"})
	if e1 == nil || e1.Error() != e2.Error() || code(e1) != events.CodeUnauthorized {
		t.Fatalf("login errors differ: %v / %v", e1, e2)
	}

	who := must[events.Person](t)(call[events.Person](t, f, events.OpLinkCheck, rpc.Caller{}, events.LinkRequest{Token: inv.LinkToken}))
	if who.Name != "Ada" {
		t.Fatalf("link check = %+v", who)
	}
	if _, err := call[empty](t, f, events.OpSetPassword, rpc.Caller{}, events.SetPasswordRequest{Token: inv.LinkToken, Password: "short"}); code(err) != events.CodeInvalid {
		t.Fatalf("short password: %v", err)
	}
	must[empty](t)(call[empty](t, f, events.OpSetPassword, rpc.Caller{}, events.SetPasswordRequest{Token: inv.LinkToken, Password: "a good long password"}))
	// The link is spent.
	if _, err := call[empty](t, f, events.OpSetPassword, rpc.Caller{}, events.SetPasswordRequest{Token: inv.LinkToken, Password: "another password"}); code(err) != events.CodeGone {
		t.Fatalf("reused link: %v", err)
	}

	tok := must[events.TokenReply](t)(call[events.TokenReply](t, f, events.OpLogin, rpc.Caller{}, events.LoginRequest{Email: "ada@example.org", Password: "a good long password", Browser: true}))
	ada := rpc.Caller{Token: tok.Token}
	me := must[identityapi.Session](t)(call[identityapi.Session](t, f, events.OpSession, ada, nil))
	if me.Email != "ada@example.org" || me.NeedsPassword {
		t.Fatalf("session = %+v", me)
	}
	// Identity decides what the hire may open: their own onboarding, not the people list.
	if !me.May(identityapi.MyOnboarding) || me.May(identityapi.People) || me.May(identityapi.ManagePeople) {
		t.Fatalf("hire's session opens %v", me.Opens)
	}
	// A hire may not list people; HR may, and sees Ada.
	if _, err := call[identityapi.PeopleReply](t, f, events.OpPeopleList, ada, nil); code(err) != events.CodeForbidden {
		t.Fatalf("hire listing people: %v", err)
	}
	list := must[identityapi.PeopleReply](t)(call[identityapi.PeopleReply](t, f, events.OpPeopleList, hr, nil))
	if len(list.Items) != 2 {
		t.Fatalf("HR sees %d people, want 2", len(list.Items))
	}
	if !list.CanInvite {
		t.Fatal("HR's list does not offer invitations")
	}
	// The token verifies with the public keys alone.
	keys := must[events.KeysReply](t)(call[events.KeysReply](t, f, events.OpKeys, rpc.Caller{}, nil))
	if len(keys.Keys) != 1 {
		t.Fatalf("keys = %+v", keys)
	}

	// A refresh gives a new access token; disabling ends every session at once.
	if _, err := call[events.TokenReply](t, f, events.OpRefresh, rpc.Caller{}, events.RefreshRequest{Refresh: tok.Refresh}); err != nil {
		t.Fatal(err)
	}
	must[events.Person](t)(call[events.Person](t, f, events.OpDisable, hr, events.DisableRequest{ID: me.ID, Reason: "left"}))
	if _, err := call[events.Person](t, f, events.OpSession, ada, nil); code(err) != events.CodeUnauthorized {
		t.Fatalf("session after disable: %v", err)
	}
	if _, err := call[events.TokenReply](t, f, events.OpRefresh, rpc.Caller{}, events.RefreshRequest{Refresh: tok.Refresh}); code(err) != events.CodeUnauthorized {
		t.Fatalf("refresh after disable: %v", err)
	}
	if _, err := call[events.TokenReply](t, f, events.OpLogin, rpc.Caller{}, events.LoginRequest{Email: "ada@example.org", Password: "a good long password"}); code(err) != events.CodeUnauthorized {
		t.Fatalf("login after disable: %v", err)
	}
}

func TestInviteRejectsBadInputAndChangesNothing(t *testing.T) {
	f := setup(t)
	hr := seedHR(t, f)
	before := f.m.el.Applied()
	_, err := call[events.InviteReply](t, f, events.OpInvite, hr, events.InviteRequest{Email: "bad", Track: "astronaut"})
	var e *events.Error
	if !errors.As(err, &e) || e.Code != events.CodeInvalid || e.Fields["email"] == "" || e.Fields["track"] == "" || e.Fields["name"] == "" {
		t.Fatalf("invalid invite: %#v", err)
	}
	_, err = call[events.InviteReply](t, f, events.OpInvite, hr, events.InviteRequest{Email: "hr@example.org", Name: "Dup", Track: "project", Team: "people", StartDate: "2026-12-01"})
	if code(err) != events.CodeConflict {
		t.Fatalf("duplicate invite: %v", err)
	}
	if _, err := call[events.InviteReply](t, f, events.OpInvite, rpc.Caller{}, events.InviteRequest{}); code(err) != events.CodeUnauthorized {
		t.Fatalf("anonymous invite: %v", err)
	}
	if _, err := call[events.Person](t, f, events.OpEnsurePerson, hr, events.EnsureRequest{}); code(err) != events.CodeForbidden {
		t.Fatalf("ensure by a person: %v", err)
	}
	if got := f.m.el.Applied(); got != before {
		t.Fatalf("bad input appended events: seq %d → %d", before, got)
	}
}

func TestLoginIsRateLimited(t *testing.T) {
	f := setup(t)
	seedHR(t, f)
	var last error
	for range 8 {
		_, last = call[events.TokenReply](t, f, events.OpLogin, rpc.Caller{}, events.LoginRequest{Email: "hr@example.org", Password: "wrong-password", Client: "attacker"})
	}
	var e *events.Error
	if !errors.As(last, &e) || e.Code != events.CodeTooMany || e.RetryAfter < 1 {
		t.Fatalf("8th wrong password: %v", last)
	}
	// Even the right password waits now.
	if _, err := call[events.TokenReply](t, f, events.OpLogin, rpc.Caller{}, events.LoginRequest{Email: "hr@example.org", Password: "hr-password", Client: "attacker"}); code(err) != events.CodeTooMany {
		t.Fatalf("right password during lockout: %v", err)
	}
	// The lock is the attacker's: the person signs in from another address.
	if _, err := call[events.TokenReply](t, f, events.OpLogin, rpc.Caller{}, events.LoginRequest{Email: "hr@example.org", Password: "hr-password", Client: "home"}); err != nil {
		t.Fatalf("right password from another address: %v", err)
	}
}

// Failures for one account from many addresses reach a ceiling that slows further
// attempts (a short Retry-After, never the 15-minute lock) for new addresses; an address
// the person signed in from before still gets through.
func TestAccountCeilingSlowsButKnownAddressesPass(t *testing.T) {
	f := setup(t)
	seedHR(t, f) // signs in from "test": a known address now
	phone := must[events.TokenReply](t)(call[events.TokenReply](t, f, events.OpLogin, rpc.Caller{}, events.LoginRequest{Email: "hr@example.org", Password: "hr-password", Client: "phone", Browser: true}))
	var last error
	for i := range 22 {
		_, last = call[events.TokenReply](t, f, events.OpLogin, rpc.Caller{}, events.LoginRequest{Email: "hr@example.org", Password: "wrong-password", Client: fmt.Sprintf("bot-%d", i)})
	}
	var e *events.Error
	if !errors.As(last, &e) || e.Code != events.CodeTooMany || e.RetryAfter < 1 || e.RetryAfter > 31 {
		t.Fatalf("22nd address's wrong password: %v", last)
	}
	if _, err := call[events.TokenReply](t, f, events.OpLogin, rpc.Caller{}, events.LoginRequest{Email: "hr@example.org", Password: "hr-password", Client: "cafe"}); code(err) != events.CodeTooMany {
		t.Fatalf("new address during the ceiling: %v", err)
	}
	// An address the person signed in from, or a device (its refresh secret from an earlier
	// session) at a new address, passes; somebody else's "device" does not, and the passes
	// do not lift the ceiling for everyone.
	for _, tc := range []struct {
		client, refresh string
		ok              bool
	}{{"test", "", true}, {"hotel", phone.Refresh, true}, {"airport", "not-a-secret", false}} {
		_, err := call[events.TokenReply](t, f, events.OpLogin, rpc.Caller{}, events.LoginRequest{Email: "hr@example.org", Password: "hr-password", Client: tc.client, Refresh: tc.refresh})
		if (err == nil) != tc.ok || err != nil && code(err) != events.CodeTooMany {
			t.Errorf("from %s during the ceiling: %v", tc.client, err)
		}
	}
}

// 50 concurrent changes to one record: none lost, the document reflects the last one.
func TestConcurrentChangesToOneRecordLoseNone(t *testing.T) {
	f := setup(t)
	hr := seedHR(t, f)
	inv := must[events.InviteReply](t)(call[events.InviteReply](t, f, events.OpInvite, hr, events.InviteRequest{
		Email: "ada@example.org", Name: "Ada", Track: "infrastructure", Team: "platform", StartDate: "2026-12-01",
	}))
	id := inv.Person.ID
	var wg sync.WaitGroup
	errs := make(chan error, 50)
	for range 50 {
		wg.Go(func() {
			_, err := call[events.InviteReply](t, f, events.OpIssueLink, hr, events.PersonRequest{ID: id})
			errs <- err
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	ctx := context.Background()
	js, _ := jetstream.New(f.env.NATS)
	s, _ := js.Stream(ctx, "IDENTITY")
	info, _ := s.Info(ctx, jetstream.WithSubjectFilter(events.Subject("identity.staff.link_issued", id)))
	if n := info.State.Subjects[events.Subject("identity.staff.link_issued", id)]; n != 51 {
		t.Fatalf("%d link events on the stream, want 51", n)
	}
	last, _ := bus.LastSeq(ctx, js, "IDENTITY", events.RecordFilter("identity", "staff", id))
	waitFor(t, func() bool {
		d, found, err := f.m.people.Get(ctx, id)
		return err == nil && found && d.Seq == last && d.Link != nil
	})
}

// Two replicas racing to invite the same people: each email is taken exactly once.
func TestSecondReplicaCannotAppendOnStaleView(t *testing.T) {
	env := devstacktest.Start(t)
	a := start(t, env, "identity", "")
	b := start(t, env, "identity", "identity-projector-b") // shares the store, so the signing keys
	fa := fixture{env, a}
	// Requests go to either replica; let both see the seeded HR person before signing in.
	must[events.Person](t)(call[events.Person](t, fa, events.OpEnsurePerson, system, events.EnsureRequest{
		InviteRequest: events.InviteRequest{Email: "hr@example.org", Name: "Hana HR", Track: "project", Team: "people", StartDate: "2026-01-05", Roles: []string{"hr"}},
		Password:      "hr-password",
	}))
	caughtUp := func() bool { return b.el.Applied() == a.el.Applied() }
	waitFor(t, caughtUp)
	tok := must[events.TokenReply](t)(call[events.TokenReply](t, fa, events.OpLogin, rpc.Caller{}, events.LoginRequest{Email: "hr@example.org", Password: "hr-password"}))
	hr := rpc.Caller{Token: tok.Token}
	waitFor(t, caughtUp)
	for i := range 10 {
		email := fmt.Sprintf("p%d@example.org", i)
		req := events.InviteRequest{Email: email, Name: "P", Track: "security", Team: "sec", StartDate: "2026-12-01"}
		var wg sync.WaitGroup
		var won, lost int
		var mu sync.Mutex
		for _, m := range []*Main{a, b} { // each replica directly, at the same moment
			wg.Go(func() {
				_, err := m.opInvite(context.Background(), rpc.Request[events.InviteRequest]{Body: req, Caller: hr})
				mu.Lock()
				defer mu.Unlock()
				switch {
				case err == nil:
					won++
				case code(err) == events.CodeConflict:
					lost++
				default:
					t.Error(err)
				}
			})
		}
		wg.Wait()
		if won != 1 || lost != 1 {
			t.Fatalf("%s: %d invites won, %d refused; want 1 and 1", email, won, lost)
		}
	}
	js, _ := jetstream.New(env.NATS)
	s, _ := js.Stream(context.Background(), "IDENTITY")
	info, _ := s.Info(context.Background(), jetstream.WithSubjectFilter(events.TypeFilter("identity.staff.hired")))
	if len(info.State.Subjects) != 11 {
		t.Fatalf("%d hired events on the stream, want 11 (HR and 10 invites)", len(info.State.Subjects))
	}

}

func TestRestartFromSnapshotAndFromTheWholeStream(t *testing.T) {
	env := devstacktest.Start(t)
	m := start(t, env, "identity", "")
	f := fixture{env, m}
	hr := seedHR(t, f)
	must[events.InviteReply](t)(call[events.InviteReply](t, f, events.OpInvite, hr, events.InviteRequest{
		Email: "ada@example.org", Name: "Ada", Track: "infrastructure", Team: "platform", StartDate: "2026-12-01",
	}))
	ctx := context.Background()
	js, _ := jetstream.New(env.NATS)
	last, _ := bus.LastSeq(ctx, js, "IDENTITY", "onramp.identity.>")
	_ = m.Close() // saves a snapshot

	for _, c := range []struct {
		name   string
		forget bool // delete the snapshot and the store's documents first
	}{{"from the snapshot", false}, {"from the whole stream, store lost", true}} {
		t.Run(c.name, func(t *testing.T) {
			if c.forget {
				if err := env.Mongo.Database("identity").Collection("people").Drop(ctx); err != nil {
					t.Fatal(err)
				}
				if err := eventlog.Forget(ctx, js, "IDENTITY", store.NewCheckpoint(env.Mongo.Database("identity"), "IDENTITY")); err != nil {
					t.Fatal(err)
				}
			}
			m2 := start(t, env, "identity", "")
			f2 := fixture{env, m2}
			people := must[identityapi.PeopleReply](t)(call[identityapi.PeopleReply](t, f2, events.OpPeopleList, hr, nil))
			if len(people.Items) != 2 {
				t.Fatalf("after restart HR sees %d people", len(people.Items))
			}
			if got := m2.el.Applied(); got != last {
				t.Fatalf("state at seq %d after restart, want %d", got, last)
			}
			if err := m2.el.FlushNow(ctx); err != nil {
				t.Fatal(err)
			}
			n := 0
			_ = m2.people.All(ctx, func(identity.Person) error { n++; return nil })
			if n != 2 {
				t.Fatalf("%d person documents, want 2", n)
			}
			_ = m2.Close()
		})
	}
}

func TestEventThatFailsValidationIsDeadLettered(t *testing.T) {
	f := setup(t)
	ctx := context.Background()
	js, _ := jetstream.New(f.env.NATS)
	// A disable for a person nobody hired: valid JSON, broken contract.
	env, _ := events.New("x", "ghost", events.StaffDisabled{Reason: "?"}, time.Now())
	if _, err := bus.Append(ctx, js, env, bus.Expect{}); err != nil {
		t.Fatal(err)
	}
	hr := seedHR(t, f) // the stream keeps flowing behind it
	if _, err := call[identityapi.PeopleReply](t, f, events.OpPeopleList, hr, nil); err != nil {
		t.Fatal(err)
	}
	c, _ := js.OrderedConsumer(ctx, "DEADLETTER", jetstream.OrderedConsumerConfig{})
	msg, err := c.Next(jetstream.FetchMaxWait(5 * time.Second))
	if err != nil {
		t.Fatalf("no dead letter: %v", err)
	}
	if want := events.Subject("identity.staff.disabled", "ghost"); !strings.Contains(string(msg.Data()), want) || !strings.Contains(string(msg.Data()), "unknown person") {
		t.Fatalf("dead letter = %s", msg.Data())
	}
}

func TestTokensCarryClaims(t *testing.T) {
	f := setup(t)
	hr := seedHR(t, f)
	v := authn.NewVerifier(func(ctx context.Context) (map[string]ed25519.PublicKey, error) { return f.m.keys.public(), nil })
	c, err := v.Verify(context.Background(), hr.Token)
	if err != nil || !c.Has("hr") || c.Name != "Hana HR" || c.ExpiresAt.Sub(c.IssuedAt.Time) != 15*time.Minute {
		t.Fatalf("claims = %+v, %v", c, err)
	}
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not reached within 10s")
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// A command whose event reached the stream but whose service died before projecting it:
// after a restart the event is applied and stored, once.
func TestCrashBetweenAppendAndProjection(t *testing.T) {
	env := devstacktest.Start(t)
	m := start(t, env, "identity", "")
	hr := seedHR(t, fixture{env, m})
	_ = m.Close()

	ctx := context.Background()
	js, _ := jetstream.New(env.NATS)
	hired, _ := events.New("hr", "p-crash", events.StaffHired{Email: "crash@example.org", Name: "Crash", Roles: []string{"hire"}, Team: "platform", Track: "operations", StartDate: "2026-12-01"}, time.Now())
	for range 2 { // the retry after the crash is dropped by the duplicate window
		if _, err := bus.Append(ctx, js, hired, bus.Expect{}); err != nil {
			t.Fatal(err)
		}
	}
	m2 := start(t, env, "identity", "")
	f2 := fixture{env, m2}
	waitFor(t, func() bool {
		d, found, err := m2.people.Get(ctx, "p-crash")
		return err == nil && found && d.Email == "crash@example.org"
	})
	people := must[identityapi.PeopleReply](t)(call[identityapi.PeopleReply](t, f2, events.OpPeopleList, hr, nil))
	if len(people.Items) != 2 {
		t.Fatalf("HR sees %d people, want 2", len(people.Items))
	}
}

func TestEventLogConformance(t *testing.T) {
	env := devstacktest.Start(t)
	f := fixture{env: env}
	var ada string
	eventlogtest.Run(t, env, eventlogtest.Service{
		Stream: "IDENTITY", DB: "identity", Own: []string{"keys", "sessions"}, // sessions: the SESSIONS stream's
		Record: func() string { return "onramp.identity.staff." + ada + ".poisoned" },
		New: func(t *testing.T, nc *nats.Conn, db *mongo.Database) (eventlogtest.Main, *eventlog.Log) {
			m, err := New(nc, db, slog.New(slog.DiscardHandler), Config{})
			if err != nil {
				t.Fatal(err)
			}
			return m, m.el
		},
		Command: func(t *testing.T, n int) error {
			hr := seedHR(t, f) // signs in afresh: a lost store takes the signing keys with it
			if n == 0 {
				r, err := call[events.InviteReply](t, f, events.OpInvite, hr, events.InviteRequest{
					Email: "ada@example.org", Name: "Ada", Track: "infrastructure", Team: "platform", StartDate: "2026-12-01"})
				ada = r.Person.ID
				return err
			}
			_, err := call[events.InviteReply](t, f, events.OpIssueLink, hr, events.PersonRequest{ID: ada})
			return err
		},
	})
}

func ensure(t *testing.T, f fixture, email, password string, roles ...string) (events.Person, rpc.Caller) {
	t.Helper()
	p := must[events.Person](t)(call[events.Person](t, f, events.OpEnsurePerson, system, events.EnsureRequest{
		InviteRequest: events.InviteRequest{Email: email, Name: email, Track: "project", Team: "people", StartDate: "2026-01-05", Roles: roles},
		Password:      password,
	}))
	tok := must[events.TokenReply](t)(call[events.TokenReply](t, f, events.OpLogin, rpc.Caller{}, events.LoginRequest{Email: email, Password: password, Client: "test"}))
	return p, rpc.Caller{Token: tok.Token}
}

// Only an admin may issue a link for, or disable, someone who holds hr or admin; HR
// manages everyone else.
func TestHRCannotTakeOverPrivilegedAccounts(t *testing.T) {
	f := setup(t)
	hr := seedHR(t, f)
	admin, adminC := ensure(t, f, "admin@example.org", "admin-password", "admin")
	hr2, _ := ensure(t, f, "hr2@example.org", "hr2-password", "hr")
	lead, _ := ensure(t, f, "lead@example.org", "lead-password", "lead")
	for _, target := range []events.Person{admin, hr2} {
		if _, err := call[events.InviteReply](t, f, events.OpIssueLink, hr, events.PersonRequest{ID: target.ID}); code(err) != events.CodeForbidden {
			t.Errorf("HR issues a link for %s: %v", target.Email, err)
		}
		if _, err := call[events.Person](t, f, events.OpDisable, hr, events.DisableRequest{ID: target.ID}); code(err) != events.CodeForbidden {
			t.Errorf("HR disables %s: %v", target.Email, err)
		}
		if _, err := call[events.Person](t, f, events.OpSession, adminC, nil); err != nil {
			t.Fatalf("admin's session after HR's attempts: %v", err)
		}
	}
	// HR invites hires, naming the role or not, and grants no other role.
	for i, tc := range []struct {
		roles []string
		ok    bool
	}{{nil, true}, {[]string{events.RoleHire}, true}, {[]string{events.RoleLead}, false}, {[]string{events.RoleHire, events.RoleAdmin}, false}, {[]string{"hr"}, false}} {
		_, err := call[events.InviteReply](t, f, events.OpInvite, hr, events.InviteRequest{
			Email: fmt.Sprintf("invited%d@example.org", i), Name: "Invited", Roles: tc.roles, Track: "infrastructure", Team: "platform", StartDate: "2026-12-01"})
		if (err == nil) != tc.ok || (err != nil && code(err) != events.CodeForbidden) {
			t.Errorf("HR invites with roles %v: %v, want allowed %v", tc.roles, err, tc.ok)
		}
	}
	// HR still manages people without those roles; an admin manages HR.
	must[events.InviteReply](t)(call[events.InviteReply](t, f, events.OpIssueLink, hr, events.PersonRequest{ID: lead.ID}))
	must[events.InviteReply](t)(call[events.InviteReply](t, f, events.OpIssueLink, adminC, events.PersonRequest{ID: hr2.ID}))
	must[events.Person](t)(call[events.Person](t, f, events.OpDisable, adminC, events.DisableRequest{ID: hr2.ID}))
}

// A password set through a link ends every session; each refresh replaces the secret, and
// a replaced secret used again ends the session (the grace for parallel requests aside).
func TestSessionsEndWithThePasswordAndRefreshReuse(t *testing.T) {
	env := devstacktest.Start(t)
	m, advance := clocked(t, env) // tokens are verified against the real clock; the grace uses this one
	f := fixture{env: env, m: m}
	hr := seedHR(t, f)
	ada, _ := ensure(t, f, "ada@example.org", "first password", "hire")
	loginAs := func(pw string) events.TokenReply {
		t.Helper()
		return must[events.TokenReply](t)(call[events.TokenReply](t, f, events.OpLogin, rpc.Caller{}, events.LoginRequest{Email: "ada@example.org", Password: pw, Client: "c", Browser: true}))
	}
	alive := func(tok string) bool {
		_, err := call[events.Person](t, f, events.OpSession, rpc.Caller{Token: tok}, nil)
		return err == nil
	}

	t.Run("refresh rotates; reuse ends the session", func(t *testing.T) {
		s := loginAs("first password")
		r1 := must[events.TokenReply](t)(call[events.TokenReply](t, f, events.OpRefresh, rpc.Caller{}, events.RefreshRequest{Refresh: s.Refresh}))
		if r1.Refresh == "" || r1.Refresh == s.Refresh {
			t.Fatalf("refresh did not rotate: %q", r1.Refresh)
		}
		// A parallel request with the secret just replaced gets a token, no new secret.
		g := must[events.TokenReply](t)(call[events.TokenReply](t, f, events.OpRefresh, rpc.Caller{}, events.RefreshRequest{Refresh: s.Refresh}))
		if g.Token == "" || g.Refresh != "" {
			t.Fatalf("grace refresh = %+v", g)
		}
		r2 := must[events.TokenReply](t)(call[events.TokenReply](t, f, events.OpRefresh, rpc.Caller{}, events.RefreshRequest{Refresh: r1.Refresh}))
		advance(time.Minute)
		// The first secret again, long after: theft. The whole session ends.
		if _, err := call[events.TokenReply](t, f, events.OpRefresh, rpc.Caller{}, events.RefreshRequest{Refresh: s.Refresh}); code(err) != events.CodeUnauthorized {
			t.Fatalf("reused secret: %v", err)
		}
		if alive(r2.Token) {
			t.Error("the session survived the reuse of an old refresh secret")
		}
		if _, err := call[events.TokenReply](t, f, events.OpRefresh, rpc.Caller{}, events.RefreshRequest{Refresh: r2.Refresh}); code(err) != events.CodeUnauthorized {
			t.Errorf("the newest secret after the reuse: %v", err)
		}
	})

	t.Run("a password set through a link ends every session", func(t *testing.T) {
		a, b := loginAs("first password"), loginAs("first password")
		link := must[events.InviteReply](t)(call[events.InviteReply](t, f, events.OpIssueLink, hr, events.PersonRequest{ID: ada.ID}))
		must[empty](t)(call[empty](t, f, events.OpSetPassword, rpc.Caller{}, events.SetPasswordRequest{Token: link.LinkToken, Password: "second password"}))
		if alive(a.Token) || alive(b.Token) {
			t.Error("a session signed in with the old password survived the new one")
		}
		if _, err := call[events.TokenReply](t, f, events.OpRefresh, rpc.Caller{}, events.RefreshRequest{Refresh: a.Refresh}); code(err) != events.CodeUnauthorized {
			t.Errorf("refresh after the password change: %v", err)
		}
		if !alive(loginAs("second password").Token) {
			t.Error("the new password does not sign in")
		}
	})
	_ = hr
}

// The people list travels a page at a time: following next visits everyone once, in name
// order, and search and filters narrow the total.
func TestPeopleListPages(t *testing.T) {
	f := setup(t)
	hr := seedHR(t, f)
	for i := range 130 {
		team := "even"
		if i%2 == 1 {
			team = "odd"
		}
		must[events.InviteReply](t)(call[events.InviteReply](t, f, events.OpInvite, hr, events.InviteRequest{
			Email: fmt.Sprintf("p%03d@example.org", i), Name: fmt.Sprintf("Person %03d", 129-i), Track: "security", Team: team, StartDate: "2026-12-01",
		}))
	}
	tests := []struct {
		name  string
		req   events.PeopleRequest
		total int
	}{
		{"everyone", events.PeopleRequest{Page: events.Page{Limit: 40}}, 131},
		{"default limit", events.PeopleRequest{}, 131},
		{"one team", events.PeopleRequest{Page: events.Page{Limit: 40}, Team: "odd"}, 65},
		{"search by e-mail", events.PeopleRequest{Page: events.Page{Query: "P01"}}, 10},
		{"search by name", events.PeopleRequest{Page: events.Page{Query: "person 12"}}, 10},
		{"role", events.PeopleRequest{Role: events.RoleHR}, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, seen, last := tt.req, map[string]bool{}, ""
			for pages := 0; ; pages++ {
				list := must[identityapi.PeopleReply](t)(call[identityapi.PeopleReply](t, f, events.OpPeopleList, hr, req))
				if list.Total != tt.total {
					t.Fatalf("total %d, want %d", list.Total, tt.total)
				}
				for _, p := range list.Items {
					if seen[p.ID] || p.Name < last {
						t.Fatalf("%s (%s) repeated or out of order after %s", p.Name, p.ID, last)
					}
					seen[p.ID], last = true, p.Name
				}
				if list.Next == "" {
					break
				}
				if pages > tt.total {
					t.Fatal("next never ends")
				}
				req.Cursor = list.Next
			}
			if len(seen) != tt.total {
				t.Fatalf("visited %d people, want %d", len(seen), tt.total)
			}
		})
	}
	if _, err := call[identityapi.PeopleReply](t, f, events.OpPeopleList, hr, events.PeopleRequest{Page: events.Page{Cursor: "bogus"}}); code(err) != events.CodeInvalid {
		t.Fatalf("bogus cursor: %v", err)
	}
	// A lead's list is their team, themselves included.
	must[events.Person](t)(call[events.Person](t, f, events.OpEnsurePerson, system, events.EnsureRequest{
		InviteRequest: events.InviteRequest{Email: "lead@example.org", Name: "Odd Lead", Track: "security", Team: "odd", StartDate: "2026-01-05", Roles: []string{"lead"}},
		Password:      "lead-password",
	}))
	tok := must[events.TokenReply](t)(call[events.TokenReply](t, f, events.OpLogin, rpc.Caller{}, events.LoginRequest{Email: "lead@example.org", Password: "lead-password", Client: "test"}))
	l := must[identityapi.PeopleReply](t)(call[identityapi.PeopleReply](t, f, events.OpPeopleList, rpc.Caller{Token: tok.Token}, events.PeopleRequest{Page: events.Page{Limit: 200}}))
	if l.Total != 66 || slices.ContainsFunc(l.Items, func(p identityapi.PersonRow) bool { return p.Team != "odd" }) {
		t.Fatalf("lead's list: %d people", l.Total)
	}
	// A lead sees their team but manages no account and invites no one.
	if l.CanInvite || slices.ContainsFunc(l.Items, func(p identityapi.PersonRow) bool { return p.CanManage }) {
		t.Fatalf("lead's list offers management: can_invite=%v", l.CanInvite)
	}
}

// The people list comes sorted by name, team or start date, each a page at a time.
func TestPeopleListSorts(t *testing.T) {
	f := setup(t)
	hr := seedHR(t, f)
	for i := range 12 {
		must[events.InviteReply](t)(call[events.InviteReply](t, f, events.OpInvite, hr, events.InviteRequest{
			Email: fmt.Sprintf("s%02d@example.org", i), Name: fmt.Sprintf("Sorted %02d", i), Track: "security",
			Team: fmt.Sprintf("team-%d", (i*7)%5), StartDate: fmt.Sprintf("2026-12-%02d", 28-i),
		}))
	}
	for _, sort := range []string{"name", "team", "start_date"} {
		t.Run(sort, func(t *testing.T) {
			req := events.PeopleRequest{Page: events.Page{Limit: 5}, Sort: sort}
			var got []identityapi.PersonRow
			for pages := 0; pages < 10; pages++ {
				l := must[identityapi.PeopleReply](t)(call[identityapi.PeopleReply](t, f, events.OpPeopleList, hr, req))
				got = append(got, l.Items...)
				if req.Cursor = l.Next; req.Cursor == "" {
					break
				}
			}
			if len(got) != 13 {
				t.Fatalf("%d people, want 13", len(got))
			}
			field := func(p identityapi.PersonRow) string {
				switch sort {
				case "team":
					return p.Team
				case "start_date":
					return p.StartDate
				}
				return p.Name
			}
			for i := 1; i < len(got); i++ {
				if field(got[i-1]) > field(got[i]) {
					t.Fatalf("not sorted by %s: %v before %v", sort, got[i-1], got[i])
				}
			}
		})
	}
	if _, err := call[identityapi.PeopleReply](t, f, events.OpPeopleList, hr, events.PeopleRequest{Sort: "salary"}); code(err) != events.CodeInvalid {
		t.Fatalf("unknown sort: %v", err)
	}
}

func TestKeysRotateOnDemandAndOldTokensStayValid(t *testing.T) {
	f := setup(t)
	hr := seedHR(t, f)
	before := must[events.KeysReply](t)(call[events.KeysReply](t, f, events.OpKeys, rpc.Caller{}, nil))
	if _, err := call[events.KeysReply](t, f, events.OpKeysRotate, hr, nil); code(err) != events.CodeForbidden {
		t.Fatalf("a person rotated the keys: %v", err)
	}
	rotated := must[events.KeysReply](t)(call[events.KeysReply](t, f, events.OpKeysRotate, system, nil))
	after := must[events.KeysReply](t)(call[events.KeysReply](t, f, events.OpKeys, rpc.Caller{}, nil))
	if len(rotated.Keys) != 1 || len(after.Keys) != len(before.Keys)+1 {
		t.Fatalf("keys before %d, after %d, new %+v", len(before.Keys), len(after.Keys), rotated.Keys)
	}
	if _, err := call[events.Person](t, f, events.OpSession, hr, nil); err != nil {
		t.Fatalf("a token signed with the previous key: %v", err)
	}
	fresh := seedHR(t, f) // signed with the new key
	if _, err := call[events.Person](t, f, events.OpSession, fresh, nil); err != nil {
		t.Fatal(err)
	}
}
