package identity

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"runtime"
	"strings"
	"testing"
	"time"

	"onramp.dev/events"
)

var now = time.Date(2026, 11, 22, 9, 0, 0, 0, time.UTC)

func env(t *testing.T, subject string, p events.Payload) events.Envelope {
	t.Helper()
	e, err := events.New("hr-1", subject, p, now)
	if err != nil {
		t.Fatal(err)
	}
	return e
}

func hired(email string) events.StaffHired {
	return events.StaffHired{Email: email, Name: "Ada", Roles: []string{"hire"}, Team: "platform", Track: "infrastructure", StartDate: "2026-12-01"}
}

func TestApplyIsIdempotent(t *testing.T) {
	s := NewState()
	h := env(t, "p1", hired("ada@example.org"))
	link := env(t, "p1", events.LinkIssued{TokenHash: Hash("secret"), ExpiresAt: now.Add(LinkTTL)})
	pw := env(t, "p1", events.PasswordSet{Hash: HashPassword("correct horse"), TokenHash: Hash("secret")})
	dis := env(t, "p1", events.StaffDisabled{Reason: "left"})
	for range 2 { // every event delivered twice
		for i, e := range []events.Envelope{h, link, pw} {
			if _, err := s.Apply(e, uint64(i+1)); err != nil {
				t.Fatal(err)
			}
		}
	}
	p, _ := s.Person("p1")
	if p.Seq != 3 || p.PasswordHash == "" || p.Link != nil || !p.Active {
		t.Fatalf("after replay: %+v", p)
	}
	if _, ok := s.PersonByLink("secret"); ok {
		t.Error("a used link still resolves")
	}
	// A stale redelivery of the link event must not bring the link back.
	if _, err := s.Apply(link, 2); err != nil {
		t.Fatal(err)
	}
	if p.Link != nil {
		t.Error("redelivered link_issued re-opened a used link")
	}
	if _, err := s.Apply(dis, 4); err != nil {
		t.Fatal(err)
	}
	if p.Active || s.LastHired() != 1 || s.MaxSeq() != 4 {
		t.Errorf("disable: active=%v lastHired=%d max=%d", p.Active, s.LastHired(), s.MaxSeq())
	}
}

func TestApplyRejectsContractBreaks(t *testing.T) {
	s := NewState()
	if _, err := s.Apply(env(t, "p1", events.StaffDisabled{Reason: "x"}), 1); !errors.Is(err, events.ErrInvalid) {
		t.Errorf("disable of unknown person: %v", err)
	}
	if _, err := s.Apply(env(t, "p1", hired("ada@example.org")), 2); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Apply(env(t, "p2", hired("ada@example.org")), 3); !errors.Is(err, events.ErrInvalid) {
		t.Errorf("second person with same email: %v", err)
	}
	bad := env(t, "p1", events.StaffDisabled{Reason: "x"})
	bad.Type = "identity.staff.promoted"
	if _, err := s.Apply(bad, 4); !errors.Is(err, events.ErrInvalid) {
		t.Errorf("unknown type: %v", err)
	}
}

func TestDecideInvite(t *testing.T) {
	s := NewState()
	lead := hired("lead@example.org")
	lead.Roles, lead.Team = []string{"lead"}, "sec-ops"
	s.Apply(env(t, "lead-1", lead), 1)
	s.Apply(env(t, "hire-1", hired("taken@example.org")), 2)

	ok := events.InviteRequest{Email: " New@Example.org ", Name: "Grace", Track: "security", Team: "Sec-Ops", Lead: "lead-1", StartDate: "2026-12-07"}
	e, err := s.DecideInvite(ok, now)
	if err != nil {
		t.Fatal(err)
	}
	if e.Email != "new@example.org" || e.Team != "sec-ops" || e.Roles[0] != "hire" {
		t.Errorf("normalised = %+v", e)
	}
	bidi := ok
	bidi.Name = "\u2067Grace\u202egnp.exe\u2069"
	if e, err := s.DecideInvite(bidi, now); err != nil || e.Name != "Gracegnp.exe" {
		t.Errorf("bidirectional controls kept: %q %v", e.Name, err)
	}
	tests := []struct {
		name  string
		f     func(*events.InviteRequest)
		code  string
		field string
	}{
		{"bad email", func(r *events.InviteRequest) { r.Email = "nope" }, events.CodeInvalid, "email"},
		{"no name", func(r *events.InviteRequest) { r.Name = "" }, events.CodeInvalid, "name"},
		{"unknown track", func(r *events.InviteRequest) { r.Track = "astronaut" }, events.CodeInvalid, "track"},
		{"team with space", func(r *events.InviteRequest) { r.Team = "sec ops" }, events.CodeInvalid, "team"},
		{"lead who is not a lead", func(r *events.InviteRequest) { r.Lead = "hire-1" }, events.CodeInvalid, "lead"},
		{"lead of another team", func(r *events.InviteRequest) { r.Team = "platform" }, events.CodeInvalid, "lead"},
		{"bad date", func(r *events.InviteRequest) { r.StartDate = "tomorrow" }, events.CodeInvalid, "start_date"},
		{"date far away", func(r *events.InviteRequest) { r.StartDate = "2031-01-01" }, events.CodeInvalid, "start_date"},
		{"taken email", func(r *events.InviteRequest) { r.Email = "TAKEN@example.org" }, events.CodeConflict, "email"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := ok
			tt.f(&r)
			_, err := s.DecideInvite(r, now)
			var e *events.Error
			if !errors.As(err, &e) || e.Code != tt.code || e.Fields[tt.field] == "" {
				t.Fatalf("DecideInvite = %v, want %s on %s", err, tt.code, tt.field)
			}
			if tt.name == "bad date" && !strings.Contains(e.Fields[tt.field], events.DateExample) {
				t.Errorf("start date message %q does not show a date in words", e.Fields[tt.field])
			}
		})
	}
}

func TestVisibility(t *testing.T) {
	p := func(id, team string, roles ...string) *Person { return &Person{ID: id, Team: team, Roles: roles} }
	hire, mate, other := p("h", "a", "hire"), p("m", "a", "hire"), p("o", "b", "hire")
	lead, hr := p("l", "a", "lead"), p("r", "x", "hr")
	tests := []struct {
		viewer, target *Person
		want           bool
	}{
		{hire, hire, true}, {hire, mate, false}, {lead, mate, true}, {lead, other, false}, {hr, other, true},
	}
	for _, tt := range tests {
		if got := CanSee(tt.viewer, tt.target); got != tt.want {
			t.Errorf("CanSee(%s, %s) = %v", tt.viewer.ID, tt.target.ID, got)
		}
	}
	if CanList(hire) || !CanList(lead) || CanManage(lead) || !CanManage(hr) {
		t.Error("list/manage rights are wrong")
	}
}

// A person sees the basic part of their own lead, and of their mentor or mentee while the
// mentorship lasts; nobody else's beyond what CanSee opens.
func TestBasicVisibility(t *testing.T) {
	hire := &Person{ID: "h", Team: "a", Lead: "l", Roles: []string{"hire"}}
	lead := &Person{ID: "l", Team: "a", Roles: []string{"lead"}, Email: "l@example.org", StartDate: "2020-01-06"}
	otherLead := &Person{ID: "k", Team: "b", Roles: []string{"lead"}}
	mentor := &Person{ID: "m", Team: "b", Lead: "k", Roles: []string{"mentor"}}
	tests := []struct {
		name           string
		viewer, target *Person
		partner, want  bool
	}{
		{"hire sees their lead", hire, lead, false, true},
		{"hire does not see another lead", hire, otherLead, false, false},
		{"hire sees their mentor", hire, mentor, true, true},
		{"hire does not see a mentor who is not theirs", hire, mentor, false, false},
		{"mentor sees their mentee", mentor, hire, true, true},
		{"mentor sees their own lead", mentor, otherLead, false, true},
		{"lead does not see their hire's mentor", lead, mentor, false, false},
	}
	for _, tt := range tests {
		if got := CanSeeBasic(tt.viewer, tt.target, tt.partner); got != tt.want {
			t.Errorf("%s: CanSeeBasic = %v, want %v", tt.name, got, tt.want)
		}
	}
	if b := lead.Basic(); b.Name != lead.Name || b.Team != "a" || b.Email != "" || b.StartDate != "" || b.Lead != "" {
		t.Errorf("basic part shows more than name, roles and team: %+v", b)
	}
}

func TestPasswords(t *testing.T) {
	h := HashPassword("correct horse battery")
	if !strings.HasPrefix(h, "$argon2id$v=19$m=19456,t=2,p=1$") {
		t.Fatalf("hash = %s", h)
	}
	if ok, err := VerifyPassword(h, "correct horse battery"); !ok || err != nil {
		t.Fatalf("right password: %v %v", ok, err)
	}
	// Nothing is truncated: a long password differing only at the end is a different one.
	long := strings.Repeat("x", 120)
	hl := HashPassword(long + "a")
	if ok, _ := VerifyPassword(hl, long+"b"); ok {
		t.Error("long passwords are truncated")
	}
	if ok, _ := VerifyPassword(h, "wrong"); ok {
		t.Error("wrong password accepted")
	}
	if _, err := VerifyPassword("$argon2id$v=19$m=0,t=0,p=0$$", "x"); err == nil {
		t.Error("malformed hash accepted")
	}
	for pw, bad := range map[string]bool{"short": true, strings.Repeat("é", 8): false, strings.Repeat("a", 129): true, "\xff\xfe\xfd\xfc\xfb\xfa\xf9\xf8": true} {
		if got := CheckPassword(pw) != ""; got != bad {
			t.Errorf("CheckPassword(%q) bad=%v, want %v", pw, got, bad)
		}
	}
}

func TestLimiterGrowsDelays(t *testing.T) {
	l := NewLimiter(3, time.Second, time.Minute)
	at := now
	for range 3 {
		if l.Wait("k", at) != 0 {
			t.Fatal("delayed before the free failures were used")
		}
		l.Fail("k", at)
	}
	var last time.Duration
	for i := range 8 {
		l.Fail("k", at)
		w := l.Wait("k", at)
		if w < last || w > time.Minute || w == 0 {
			t.Fatalf("failure %d: wait %v after %v", i+4, w, last)
		}
		last = w
	}
	if last != time.Minute {
		t.Errorf("delay capped at %v, want 1m", last)
	}
	if l.Wait("other", at) != 0 {
		t.Error("keys are not independent")
	}
	l.Succeed("k")
	if l.Wait("k", at) != 0 {
		t.Error("success did not clear the key")
	}
}

func FuzzVerifyPassword(f *testing.F) {
	f.Add("$argon2id$v=19$m=16,t=1,p=1$c2FsdHNhbHQ$aGFzaGhhc2g", "pw")
	f.Add("$argon2id$v=19$m=262144,t=16,p=16$$", "")
	f.Fuzz(func(t *testing.T, hash, pw string) {
		_, _ = VerifyPassword(hash, pw)
	})
}

func TestLimiterBeginCountsBeforeTheCheck(t *testing.T) {
	l := NewLimiter(2, time.Second, time.Minute)
	// Three attempts begin before any finishes: the third already starts the delay, the
	// fourth is refused without being recorded.
	for i := range 3 {
		if w := l.Begin("k", now); w != 0 {
			t.Fatalf("attempt %d refused: %v", i+1, w)
		}
	}
	if w := l.Begin("k", now); w != time.Second {
		t.Fatalf("fourth attempt: wait %v, want 1s", w)
	}
	// An attempt taken back does not count.
	l.Begin("j", now)
	l.Forgive("j")
	l.Begin("j", now)
	l.Begin("j", now)
	if w := l.Begin("j", now); w != 0 {
		t.Fatalf("forgiven attempt counted: wait %v", w)
	}
	l.Succeed("k")
	if w := l.Begin("k", now); w != 0 {
		t.Fatalf("after success: wait %v", w)
	}
}

func TestGateBoundsAndQueues(t *testing.T) {
	g := NewGate(2, 1)
	ctx := context.Background()
	r1, ok1 := g.Enter(ctx)
	r2, ok2 := g.Enter(ctx)
	if !ok1 || !ok2 {
		t.Fatal("free slots refused")
	}
	queued := make(chan bool)
	go func() {
		r, ok := g.Enter(ctx) // waits in the queue for a slot
		if ok {
			r()
		}
		queued <- ok
	}()
	for g.waiting.Load() != 1 {
		runtime.Gosched()
	}
	if _, ok := g.Enter(ctx); ok {
		t.Fatal("entered past the slots and a full queue")
	}
	canceled, cancel := context.WithCancel(ctx)
	cancel()
	if _, ok := g.Wait(canceled); ok {
		t.Fatal("entered with every slot taken and the context done")
	}
	r1()
	if !<-queued {
		t.Fatal("the queued caller never got the freed slot")
	}
	r2()
	if _, ok := g.Enter(ctx); !ok {
		t.Fatal("a free gate refused")
	}
}

func TestSnapshotLeavesOutLongExpiredSessions(t *testing.T) {
	s := NewSessions()
	t0 := time.Date(2026, 1, 1, 9, 0, 0, 0, time.UTC)
	s.load(Session{ID: "old", Person: "p", Started: t0, ExpiresAt: t0.Add(12 * time.Hour)})
	s.load(Session{ID: "recent", Person: "p", Started: t0.Add(30 * time.Hour), ExpiresAt: t0.Add(42 * time.Hour)})
	s.load(Session{ID: "new", Person: "p", Started: t0.Add(40 * time.Hour), ExpiresAt: t0.Add(52 * time.Hour)})
	var buf bytes.Buffer
	if err := s.Snapshot(&buf); err != nil {
		t.Fatal(err)
	}
	r := NewSessions()
	if err := r.Restore(&buf); err != nil {
		t.Fatal(err)
	}
	for id, want := range map[string]bool{"old": false, "recent": true, "new": true} {
		if _, ok := r.Session(id); ok != want {
			t.Errorf("session %s restored: %v, want %v", id, ok, want)
		}
	}
}

// A browser session lives SessionIdle after it was last used, and SessionMaxAge at most.
func TestSessionExpiresIdleAndAtMostAfterMaxAge(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 9, 0, 0, 0, time.UTC)
	s := NewSessions()
	apply := func(at time.Time, seq uint64, p events.Payload) {
		t.Helper()
		env, err := events.New("p", "s1", p, at)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.Apply(env, seq); err != nil {
			t.Fatal(err)
		}
	}
	apply(t0, 1, events.SessionStarted{Person: "p", RefreshHash: Hash("r0"), ExpiresAt: BrowserExpiry(t0, t0)})
	x, _ := s.Session("s1")
	tests := []struct {
		name string
		at   time.Time
		live bool
	}{
		{"just signed in", t0, true},
		{"11 h idle", t0.Add(11 * time.Hour), true},
		{"12 h idle", t0.Add(12 * time.Hour), false},
	}
	for _, tt := range tests {
		if got := x.Live(tt.at); got != tt.live {
			t.Errorf("%s: live %v, want %v", tt.name, got, tt.live)
		}
	}
	// Used every 10 hours, it lives on, but never past SessionMaxAge.
	at, seq := t0, uint64(1)
	for i := 0; at.Before(t0.Add(SessionMaxAge)); i++ {
		at, seq = at.Add(10*time.Hour), seq+1
		if x.Live(at) {
			apply(at, seq, events.SessionRefreshed{RefreshHash: Hash(fmt.Sprint("r", i+1))})
		}
	}
	if !x.ExpiresAt.Equal(t0.Add(SessionMaxAge)) {
		t.Fatalf("after a month of use the session expires at %v, want %v", x.ExpiresAt, t0.Add(SessionMaxAge))
	}
	if x.Live(t0.Add(SessionMaxAge)) || !x.Live(t0.Add(SessionMaxAge-time.Minute)) {
		t.Fatal("the session does not end exactly at its maximum age")
	}
	if got := s.Evict(t0.Add(SessionMaxAge)); len(got) != 0 {
		t.Fatalf("evicted %v before it expired", got)
	}
	if got := s.Evict(t0.Add(SessionMaxAge + time.Second)); len(got) != 1 || s.Len() != 0 {
		t.Fatalf("evicted %v, %d left", got, s.Len())
	}
	if _, ok := s.ByRefresh("r1"); ok {
		t.Fatal("an evicted session's secret is still known")
	}
	if _, _, ok := s.BySpentRefresh("r0"); ok {
		t.Fatal("an evicted session's spent secret is still known")
	}
}

// Data dirs from before the SESSIONS stream hold session events on IDENTITY: the people
// model skips them, and a session stream event it does not know is refused.
func TestPeopleModelSkipsOldSessionEvents(t *testing.T) {
	now := time.Date(2026, 1, 1, 9, 0, 0, 0, time.UTC)
	st := NewState()
	for i, p := range []events.Payload{
		events.SessionStarted{Person: "p", ExpiresAt: now.Add(time.Hour)},
		events.SessionRefreshed{RefreshHash: Hash("x")},
		events.SessionEnded{Reason: "signed out"},
	} {
		env, _ := events.New("p", "s1", p, now)
		if id, err := st.Apply(env, uint64(i+1)); err != nil || id != "" {
			t.Fatalf("%s: %q, %v", env.Type, id, err)
		}
	}
	hired, _ := events.New("hr", "p1", events.StaffHired{Email: "ada@example.org", Name: "Ada", Roles: []string{events.RoleHire},
		Team: "platform", Track: "infrastructure", StartDate: "2026-12-01"}, now)
	if _, err := NewSessions().Apply(hired, 1); !errors.Is(err, events.ErrInvalid) {
		t.Fatalf("the sessions model took a hired event: %v", err)
	}
}
