package directory_test

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"onramp.dev/events"
	"onramp.dev/infra/bus"
	"onramp.dev/infra/devstack/devstacktest"
	"onramp.dev/infra/directory"
)

func TestDirectoryReplaysAndFollows(t *testing.T) {
	env := devstacktest.Start(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	js, _ := jetstream.New(env.NATS)
	if err := bus.EnsureStreams(ctx, js); err != nil {
		t.Fatal(err)
	}
	hire := func(id, team string, roles ...string) {
		e, err := events.New("hr", id, events.StaffHired{Email: id + "@x.org", Name: id, Roles: roles, Team: team, Track: "security", StartDate: "2026-12-01"}, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		if _, err := bus.Append(ctx, js, e, bus.Expect{}); err != nil {
			t.Fatal(err)
		}
	}
	hire("lead", "sec", "lead")
	hire("ann", "sec", "hire")
	d := directory.New(slog.New(slog.DiscardHandler))
	if err := d.Start(ctx, js); err != nil {
		t.Fatal(err)
	}
	if len(d.Team("sec")) != 2 || !d.LeadsTeamOf("lead", "ann") || d.LeadsTeamOf("ann", "lead") {
		t.Fatalf("after replay: team %v", d.Team("sec"))
	}
	// A second service of the process starting the shared directory changes nothing, and
	// that service stopping does not stop it.
	other, stopOther := context.WithCancel(ctx)
	if err := d.Start(other, js); err != nil {
		t.Fatal(err)
	}
	stopOther()
	hire("bob", "ops", "hire")
	dis, _ := events.New("hr", "ann", events.StaffDisabled{Reason: "left"}, time.Now())
	seq, err := bus.Append(ctx, js, dis, bus.Expect{})
	if err != nil {
		t.Fatal(err)
	}
	if !d.WaitApplied(ctx, seq, 5*time.Second) {
		t.Fatal("live events not applied")
	}
	if p, _ := d.Person("bob"); p.Team != "ops" || len(d.Team("sec")) != 1 || d.LeadsTeamOf("lead", "bob") {
		t.Fatalf("after follow: bob %+v, sec %v", p, d.Team("sec"))
	}
}

// A session event (which the directory never reads) last on the stream must not make the
// directory wait for it: asking for someone never hired answers as soon as every staff
// event is applied.
func TestCatchUpIgnoresEventsTheDirectoryDoesNotRead(t *testing.T) {
	env := devstacktest.Start(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	js, _ := jetstream.New(env.NATS)
	if err := bus.EnsureStreams(ctx, js); err != nil {
		t.Fatal(err)
	}
	d := directory.New(slog.New(slog.DiscardHandler))
	if err := d.Start(ctx, js); err != nil {
		t.Fatal(err)
	}
	hired, _ := events.New("hr", "ann", events.StaffHired{Email: "ann@x.org", Name: "Ann", Roles: []string{"hire"}, Team: "sec", Track: "security", StartDate: "2026-12-01"}, time.Now())
	if _, err := bus.Append(ctx, js, hired, bus.Expect{}); err != nil {
		t.Fatal(err)
	}
	session, _ := events.New("ann", "session-1", events.SessionStarted{Person: "ann", ExpiresAt: time.Now().Add(time.Hour)}, time.Now())
	if _, err := bus.Append(ctx, js, session, bus.Expect{}); err != nil {
		t.Fatal(err)
	}
	if !d.CatchUp(ctx, 5*time.Second) {
		t.Fatal("CatchUp waited for a session event the directory does not read")
	}
	if _, ok := d.Current(ctx, "ann"); !ok {
		t.Fatal("ann, hired before the session event, is unknown")
	}
	if _, ok := d.Current(ctx, "nobody"); ok {
		t.Fatal("someone never hired was found")
	}
}

// Lists come sorted by name, then id, whatever order people joined in; a team's list
// holds its members only.
func TestFindAndTeamAreSorted(t *testing.T) {
	d := directory.New(slog.New(slog.DiscardHandler))
	joins := []struct{ id, name, team string }{
		{"p1", "Zoe", "a"}, {"p2", "Adam", "b"}, {"p3", "Mia", "a"}, {"p4", "Adam", "a"}, {"p5", "Bo", "b"}, {"p0", "Mia", "a"},
	}
	for i, j := range joins {
		e, err := events.New("hr", j.id, events.StaffHired{Email: j.id + "@x.org", Name: j.name, Roles: []string{"hire"}, Team: j.team, Track: "security", StartDate: "2026-12-01"}, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		if err := d.Apply(e, uint64(i+1)); err != nil {
			t.Fatal(err)
		}
	}
	ids := func(ps []directory.Person) (out []string) {
		for _, p := range ps {
			out = append(out, p.ID)
		}
		return out
	}
	all := ids(d.Find(func(directory.Person) bool { return true }))
	team := ids(d.Team("a"))
	mias := ids(d.TeamFind("a", func(p directory.Person) bool { return p.Name == "Mia" }))
	if !slices.Equal(all, []string{"p2", "p4", "p5", "p0", "p3", "p1"}) || !slices.Equal(team, []string{"p4", "p0", "p3", "p1"}) || !slices.Equal(mias, []string{"p0", "p3"}) {
		t.Fatalf("all %v, team a %v, Mias %v", all, team, mias)
	}
}

// A listener hears everyone the directory knows when it starts listening, then every event
// that adds or changes a person, once, and nothing else; two services sharing a directory
// each hear the same.
func TestListenersHearEveryoneThenEachChange(t *testing.T) {
	d := directory.New(slog.New(slog.DiscardHandler))
	var first, second []string
	hear := func(into *[]string) func(directory.Person) {
		return func(p directory.Person) {
			_, _ = d.Person(p.ID) // may read the directory
			*into = append(*into, fmt.Sprintf("%s:%v", p.ID, p.Active))
		}
	}
	d.Listen(hear(&first))
	hired, _ := events.New("hr", "ann", events.StaffHired{Email: "ann@x.org", Name: "Ann", Roles: []string{"hire"}, Team: "sec", Track: "security", StartDate: "2026-12-01"}, time.Now())
	disabled, _ := events.New("hr", "ann", events.StaffDisabled{Reason: "left"}, time.Now())
	enabled, _ := events.New("hr", "ann", events.StaffEnabled{}, time.Now())
	session, _ := events.New("ann", "session-1", events.SessionStarted{Person: "ann", ExpiresAt: time.Now().Add(time.Hour)}, time.Now())
	unknown, _ := events.New("hr", "bob", events.StaffDisabled{Reason: "left"}, time.Now())
	apply := func(seq int, envs ...events.Envelope) {
		for i, e := range envs {
			if err := d.Apply(e, uint64(seq+i)); err != nil {
				t.Fatal(err)
			}
		}
	}
	apply(1, hired, hired, session, disabled, unknown)
	if want := []string{"ann:true", "ann:false"}; !slices.Equal(first, want) {
		t.Fatalf("heard %v, want %v", first, want)
	}
	d.Listen(hear(&second))
	if want := []string{"ann:false"}; !slices.Equal(second, want) {
		t.Fatalf("a second listener heard %v, want everyone as they are now: %v", second, want)
	}
	apply(6, enabled)
	if want := []string{"ann:true", "ann:false", "ann:true"}; !slices.Equal(first, want) {
		t.Fatalf("first listener heard %v, want %v", first, want)
	}
	if want := []string{"ann:false", "ann:true"}; !slices.Equal(second, want) {
		t.Fatalf("second listener heard %v, want %v", second, want)
	}
}
