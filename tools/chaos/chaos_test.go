package main

import (
	"bytes"
	"context"
	"net"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"onramp.dev/tools/demo"
	"onramp.dev/tools/portal"
)

// TestChaosShort is the fault suite in its short form, as CI runs it: five SIGKILLs of the
// all-in-one process under load from three clients. It fails if any acknowledged command is
// lost, doubled or stuck. The seed is logged, to repeat a failing run's choices with
// `go run ./tools/chaos -cycles 5 -duration 3s -clients 3 -people 8 -seed N`.
func TestChaosShort(t *testing.T) {
	cfg := config{Cycles: 5, Duration: 3 * time.Second, Clients: 3, MaxPeople: 8, Seed: uint64(time.Now().UnixNano() % 1e9),
		Retry: true, Store: true, Settle: 45 * time.Second, Ready: 3 * time.Minute, Log: testWriter{t}}
	t.Logf("seed %d", cfg.Seed)
	rep, err := run(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	rep.print(&out)
	t.Log(out.String())
	if total := rep.totals(); total.acked == 0 || len(rep.restarts) != cfg.Cycles {
		t.Fatalf("%d commands acknowledged, %d restarts: the run did not happen", total.acked, len(rep.restarts))
	}
	if rep.failed() {
		t.Fatalf("%d acknowledged commands lost, doubled or stuck (table above)", len(rep.problems))
	}
}

type testWriter struct{ t *testing.T }

func (w testWriter) Write(b []byte) (int, error) {
	w.t.Log(strings.TrimRight(string(b), "\n"))
	return len(b), nil
}

func TestVerdictRules(t *testing.T) {
	tests := []struct {
		name    string
		cmd     command
		found   int
		verdict string // "" none
	}{
		{"acknowledged, found once", command{Outcome: acked, Exact: true}, 1, ""},
		{"acknowledged, missing", command{Outcome: acked, Exact: true}, 0, lost},
		{"acknowledged, twice", command{Outcome: acked, Exact: true}, 2, doubled},
		{"acknowledged no-op (completing a task of unknown state), missing", command{Outcome: acked}, 0, ""},
		{"acknowledged no-op, twice", command{Outcome: acked}, 2, doubled},
		{"unknown, missing", command{Outcome: unknown, Exact: true}, 0, ""},
		{"unknown, once", command{Outcome: unknown, Exact: true}, 1, ""},
		{"unknown, twice", command{Outcome: unknown, Exact: true}, 2, doubled},
		{"refused, missing", command{Outcome: rejected, Exact: true}, 0, ""},
		{"refused, yet found", command{Outcome: rejected, Exact: true}, 1, doubled},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := verdicts{}
			v.count(&tt.cmd, tt.found, "somewhere")
			if got := v[&tt.cmd].Verdict; got != tt.verdict {
				t.Fatalf("verdict %q, want %q", got, tt.verdict)
			}
		})
	}
}

// The checks against a real portal: genuine commands pass, and a command acknowledged but
// never applied is lost, one applied twice is doubled, wherever it is (API or store).
func TestChecksFindLostAndDoubled(t *testing.T) {
	ctx := context.Background()
	dir, err := os.MkdirTemp("", "chaos-test-") // short: the store's Unix socket lives here
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p, err := portal.Start(ctx, portal.Config{Dir: dir, Listener: ln, Addr: ln.Addr().String()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = p.Close() })
	if _, err := demo.Seed(ctx, p.NATS, demoPassword, time.Now()); err != nil {
		t.Fatal(err)
	}
	g := newGate()
	g.open()
	cfg := config{Clients: 1, MaxPeople: 2, Seed: 7, Retry: true}
	clients, err := newClients(ctx, p.URL(), g, cfg)
	if err != nil {
		t.Fatal(err)
	}
	c := clients[0]
	for len(c.cmds) < 60 {
		if err := c.step(ctx); err != nil {
			t.Fatal(err)
		}
	}
	var withPlan *person
	for _, x := range c.people {
		if x.tasks != nil {
			withPlan = x
		}
	}
	if withPlan == nil {
		t.Fatal("the load read no plan")
	}
	for _, cmd := range c.cmds {
		if cmd.Outcome != acked {
			t.Fatalf("%s: %d on a quiet portal", cmd.ID, cmd.Status)
		}
	}

	// A completion answered 200 but never applied, and an assignment too.
	ghostTask := &command{ID: "ghost-task", Kind: kindComplete, Outcome: acked, Exact: true, Person: withPlan.id, Task: withPlan.tasks[0].id}
	ghostAssign := &command{ID: "ghost-assign", Kind: kindAssign, Outcome: acked, Exact: true, Person: withPlan.id, Module: "no-such-module"}
	// A verification applied twice: a retry that was not recognised as one.
	twice := &command{ID: "twice", Kind: kindVerify, Outcome: acked, Exact: true, Person: withPlan.id, Skill: c.w.skills[0].ID}
	for range 2 {
		status, b, err := c.api.send(ctx, http.MethodPost, "/api/v1/people/"+withPlan.id+"/skills/"+twice.Skill+"/verifications",
			c.hr.current(), "", map[string]any{"level": c.w.skills[0].MinLevel, "note": twice.ID})
		if err != nil || status != http.StatusCreated && status != http.StatusOK {
			t.Fatalf("verification: %d %s %v", status, b, err)
		}
	}
	ch := &checker{api: c.api, hr: c.hr, store: p.Mongo, cmds: append(c.cmds, ghostTask, ghostAssign, twice), people: c.people}
	v, err := ch.settle(ctx, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	want := map[*command]string{ghostTask: lost, ghostAssign: lost, twice: doubled}
	for cmd, p := range v {
		if want[cmd] != p.Verdict {
			t.Errorf("%s: %s (%s), want %q", cmd.ID, p.Verdict, p.Detail, want[cmd])
		}
	}
	for cmd, verdict := range want {
		if _, ok := v[cmd]; !ok {
			t.Errorf("%s: not found %s", cmd.ID, verdict)
		}
	}

	// Every record the load touched still takes a command.
	stuckProblems, n, err := ch.probe(ctx, clients, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if n == 0 || len(stuckProblems) > 0 {
		t.Fatalf("%d probes: %+v", n, stuckProblems)
	}
}
