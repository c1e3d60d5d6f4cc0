package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"strconv"
	"sync"
	"sync/atomic"
	"text/tabwriter"
	"time"

	"onramp.dev/content"
	"onramp.dev/events"
	"onramp.dev/infra/rpc"
	"onramp.dev/tools/child"
)

// The org scenario: an organisation of n staff built through the real write path (HR's
// invites over the JSON API, track-wide training assignments), then every page and list
// API loaded by 32 concurrent clients, each right after a trivial net/http handler in the
// same run; resident memory after the page runs and peak heap during the skill-matrix
// XLSX export of everyone.
//
//	go run ./tools/bench -org 1000 -duration 3s
const (
	orgTeamSize = 20 // one lead per team of 20
	orgWriters  = 16 // concurrent invites
)

func runOrg(ctx context.Context, n int, duration time.Duration, process bool) error {
	start := startEnv
	if process {
		start = startProcessEnv
	}
	e, err := start(ctx)
	if err != nil {
		return err
	}
	defer e.close()
	tracks, err := content.Tracks()
	if err != nil {
		return err
	}

	// 1. The organisation, through HR's invites: a lead per team first, then everyone
	// else, hires with their team's lead.
	step(fmt.Sprintf("org: inviting %d staff through POST /api/v1/people", n))
	teams := max(n/orgTeamSize, 1)
	leads := make([]string, teams)
	startDate := time.Now().AddDate(0, 0, -10).Format(events.DateLayout)
	invite := func(i int, roles []string, team, lead string) (string, error) {
		body, _ := json.Marshal(map[string]any{
			"email": fmt.Sprintf("staff%05d@org.onramp", i), "name": fmt.Sprintf("Staff %05d", i), "roles": roles,
			"track": tracks[i%len(tracks)].ID, "team": team, "lead": lead, "start_date": startDate,
		})
		req, _ := http.NewRequest(http.MethodPost, e.base+"/api/v1/people", bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+e.hrToken)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return "", err
		}
		defer resp.Body.Close()
		var out struct{ ID string }
		if resp.StatusCode != http.StatusCreated {
			b, _ := io.ReadAll(resp.Body)
			return "", fmt.Errorf("invite %d: status %d: %s", i, resp.StatusCode, b)
		}
		err = json.NewDecoder(resp.Body).Decode(&out)
		return out.ID, err
	}
	if err := e.refreshHR(ctx); err != nil {
		return err
	}
	t0 := time.Now()
	if err := parallel(teams, func(t int) (err error) {
		leads[t], err = invite(t, []string{events.RoleLead}, orgTeam(t), "")
		return err
	}); err != nil {
		return err
	}
	if err := e.refreshHR(ctx); err != nil {
		return err
	}
	if err := parallel(n-teams, func(i int) error {
		i += teams
		roles := []string{events.RoleHire}
		if i%33 == 0 {
			roles = []string{events.RoleMentor}
		}
		_, err := invite(i, roles, orgTeam(i%teams), leads[i%teams])
		return err
	}); err != nil {
		return err
	}
	invites := time.Since(t0)
	// Track-wide training: one assignment per track.
	if err := e.refreshHR(ctx); err != nil {
		return err
	}
	for _, tr := range tracks {
		if _, err := rpc.Call[events.AssignmentView](ctx, e.nc, events.RPC(events.TrainingService, events.OpAssign), rpc.Caller{Token: e.hrToken},
			events.AssignRequest{Module: "acceptable-use-and-security-policy", Track: tr.ID, Due: time.Now().AddDate(0, 0, 20).Format(events.DateLayout)}); err != nil {
			return fmt.Errorf("assign to track %s: %w", tr.ID, err)
		}
	}
	// Every plan made (the onboarding service follows the identity stream).
	wantPlans := 0
	for i := teams; i < n; i++ {
		if i%33 != 0 {
			wantPlans++
		}
	}
	for deadline := time.Now().Add(30 * time.Minute); ; time.Sleep(200 * time.Millisecond) {
		var plans events.PlansReply
		if err := e.getJSON("/api/v1/onboarding/plans?limit=1&q=Staff", &plans); err != nil {
			return err
		}
		if plans.Total >= wantPlans {
			break
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%d of %d plans made", plans.Total, wantPlans)
		}
	}
	built := time.Since(t0)
	fmt.Printf("org of %d staff (%d teams): invites %.1f s (%.0f invites/s), every plan made after %.1f s\n",
		n, teams, invites.Seconds(), float64(n)/invites.Seconds(), built.Seconds())
	if process {
		e.idle("idle, with the organisation built")
	}

	// 2. Sessions: a hire and a lead of the org, HR and admin of the demo.
	sign := func(email, name string, roles []string, team, lead string) (string, error) {
		_, err := rpc.Call[events.Person](ctx, e.nc, events.RPC(events.IdentityService, events.OpEnsurePerson), rpc.Caller{System: true},
			events.EnsureRequest{InviteRequest: events.InviteRequest{Email: email, Name: name, Roles: roles, Track: tracks[0].ID, Team: team, Lead: lead, StartDate: startDate}, Password: password})
		if err != nil {
			return "", err
		}
		return browserLogin(e.base, email)
	}
	hire, err := sign("bench-hire@org.onramp", "Bench Hire", []string{events.RoleHire}, orgTeam(0), leads[0])
	if err != nil {
		return err
	}
	lead, err := sign("bench-lead@org.onramp", "Bench Lead", []string{events.RoleLead}, orgTeam(0), "")
	if err != nil {
		return err
	}
	hr, err := browserLogin(e.base, "hr@demo.onramp")
	if err != nil {
		return err
	}
	admin, err := browserLogin(e.base, "admin@demo.onramp")
	if err != nil {
		return err
	}
	if err := e.refreshHR(ctx); err != nil {
		return err
	}
	tok, err := rpc.Call[events.TokenReply](ctx, e.nc, events.RPC(events.IdentityService, events.OpLogin), rpc.Caller{},
		events.LoginRequest{Email: "hr@demo.onramp", Password: password})
	if err != nil {
		return err
	}
	api := http.Header{"Authorization": {"Bearer " + tok.Token}}
	cookie := func(c string) http.Header { return http.Header{"Cookie": {c}} }

	// 3. Every page and list API, each beside the trivial handler.
	type target struct {
		role, path string
		h          http.Header
	}
	targets := []target{
		{"hire", "/", cookie(hire)}, {"hire", "/onboarding", cookie(hire)}, {"hire", "/training", cookie(hire)}, {"hire", "/skills", cookie(hire)},
		{"lead", "/onboarding/team", cookie(lead)}, {"lead", "/training/team", cookie(lead)}, {"lead", "/skills/team", cookie(lead)},
		{"HR", "/", cookie(hr)}, {"HR", "/people", cookie(hr)}, {"HR", "/onboarding/all", cookie(hr)}, {"HR", "/onboarding/tasks", cookie(hr)},
		{"HR", "/training/report", cookie(hr)}, {"HR", "/skills/reports", cookie(hr)}, {"HR", "/mentorship/coverage", cookie(hr)},
		{"admin", "/people", cookie(admin)},
		{"API", "/api/v1/people", api}, {"API", "/api/v1/onboarding/plans", api}, {"API", "/api/v1/me/tasks", api},
		{"API", "/api/v1/training/report", api}, {"API", "/api/v1/reports/skill-matrix", api}, {"API", "/api/v1/mentorship/coverage", api},
		{"API", "/api/v1/mentorships", api},
	}
	w := tabwriter.NewWriter(os.Stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(w, "page or API (role)\tbody\treq/s\tp50\tp99\ttrivial req/s\tratio")
	for _, t := range targets {
		step("org: " + t.role + " " + t.path)
		size, err := e.bodySize(t.path, t.h)
		if err != nil {
			return err
		}
		trivial, err := trivialHandler(duration)
		if err != nil {
			return err
		}
		r, err := loadWith(t.path, e.base+t.path, t.h, duration)
		if err != nil {
			return err
		}
		fmt.Fprintf(w, "%s (%s)\t%.1f KB\t%.0f\t%s\t%s\t%.0f\t%.3f\n", t.path, t.role, float64(size)/1e3, r.Rate,
			r.P50.Round(10*time.Microsecond), r.P99.Round(10*time.Microsecond), trivial.Rate, r.Rate/trivial.Rate)
	}
	w.Flush()
	fmt.Printf("memory after the page runs: %s\n", e.memory())

	// 4. Peak heap while everyone's skill matrix is exported as XLSX.
	step("org: skill-matrix XLSX of everyone")
	if process {
		return xlsxAndRestarts(ctx, e, api, func(i int) error {
			_, err := invite(i, []string{events.RoleHire}, orgTeam(i%teams), leads[i%teams])
			return err
		}, n)
	}
	d, top, err := peakHeap(func() (time.Duration, error) {
		t0 := time.Now()
		_, err := e.bodySize("/api/v1/reports/skill-matrix?format=xlsx", api)
		return time.Since(t0), err
	})
	if err != nil {
		return err
	}
	fmt.Printf("skill-matrix XLSX of everyone: %v, peak heap +%.1f MB (GOGC=5, in the one process that runs every service)\n",
		d.Round(time.Millisecond), float64(top)/1e6)

	// 5. Restart at this size.
	return measureRestart(ctx, e)
}

func orgTeam(t int) string { return "team-" + strconv.Itoa(t) }

// parallel runs f(0..n-1) on orgWriters goroutines and returns the first error.
func parallel(n int, f func(i int) error) error {
	var next atomic.Int64
	var mu sync.Mutex
	var first error
	var wg sync.WaitGroup
	for range orgWriters {
		wg.Go(func() {
			for {
				i := int(next.Add(1) - 1)
				if i >= n {
					return
				}
				if err := f(i); err != nil {
					mu.Lock()
					first = cmpErr(first, err)
					mu.Unlock()
					return
				}
			}
		})
	}
	wg.Wait()
	return first
}

func cmpErr(a, b error) error {
	if a != nil {
		return a
	}
	return b
}

// refreshHR signs the admin in (only an admin may invite leads and mentors) as the
// org's HR caller, again before each phase (access tokens live 15 minutes).
func (e *env) refreshHR(ctx context.Context) error {
	tok, err := rpc.Call[events.TokenReply](ctx, e.nc, events.RPC(events.IdentityService, events.OpLogin), rpc.Caller{},
		events.LoginRequest{Email: "admin@demo.onramp", Password: password})
	if err != nil {
		return err
	}
	e.hrToken = tok.Token
	return nil
}

func (e *env) getJSON(path string, v any) error {
	req, _ := http.NewRequest(http.MethodGet, e.base+path, nil)
	req.Header.Set("Authorization", "Bearer "+e.hrToken)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("%s: status %d", path, resp.StatusCode)
	}
	return json.NewDecoder(resp.Body).Decode(v)
}

// bodySize fetches path once and returns the size of its body.
func (e *env) bodySize(path string, h http.Header) (int64, error) {
	req, _ := http.NewRequest(http.MethodGet, e.base+path, nil)
	req.Header = h.Clone()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	n, err := io.Copy(io.Discard, resp.Body)
	if err == nil && resp.StatusCode != http.StatusOK {
		err = fmt.Errorf("%s: status %d", path, resp.StatusCode)
	}
	return n, err
}

// rss is the process's resident memory in bytes (Linux), 0 if unknown.
func rss() int64 {
	m, _ := child.ReadMemory(os.Getpid())
	return m.RSS
}

// xlsxAndRestarts is the end of the org scenario in process mode: the child's peak resident
// memory during the XLSX export (VmHWM reset before it), then its restarts.
func xlsxAndRestarts(ctx context.Context, e *env, api http.Header, invite func(i int) error, next int) error {
	before, err := e.proc.Memory()
	if err != nil {
		return err
	}
	if err := e.proc.ResetPeak(); err != nil {
		return err
	}
	t0 := time.Now()
	if _, err := e.bodySize("/api/v1/reports/skill-matrix?format=xlsx", api); err != nil {
		return err
	}
	d := time.Since(t0)
	after, err := e.proc.Memory()
	if err != nil {
		return err
	}
	fmt.Printf("skill-matrix XLSX of everyone: %v, peak resident +%.1f MB over the %.0f MB before it\n",
		d.Round(time.Millisecond), float64(after.Peak-before.RSS)/1e6, float64(before.RSS)/1e6)
	return measureProcessRestart(ctx, e, invite, next)
}
