package main

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
)

// Verdicts on a command or a record.
const (
	lost    = "lost"
	doubled = "doubled"
	stuck   = "stuck"
)

type problem struct {
	Kind    kind
	Verdict string
	Detail  string
}

// checker compares what the portal shows (and, if store is set, what it stored) with what
// the clients were told.
type checker struct {
	api    *api
	hr     *session
	store  *mongo.Client // nil: API only
	cmds   []*command
	people []*person
}

// verdicts gives each command at most one problem; the first one found stands.
type verdicts map[*command]problem

func (v verdicts) add(c *command, verdict, format string, args ...any) {
	if _, ok := v[c]; !ok {
		v[c] = problem{Kind: c.Kind, Verdict: verdict, Detail: c.ID + ": " + fmt.Sprintf(format, args...)}
	}
}

// count judges how often cmd's effect was found: an exact command exactly once, a refused
// one never, any other at most once.
func (v verdicts) count(c *command, n int, where string) {
	switch {
	case c.exact() && n == 0:
		v.add(c, lost, "acknowledged (%d) but not in %s", c.Status, where)
	case c.Outcome == rejected && n > 0:
		v.add(c, doubled, "refused (%d) but found %d times in %s", c.Status, n, where)
	case n > 1 && c.NoAnswer:
		v.add(c, doubled, "found %d times in %s (sent %d times with one Idempotency-Key: the first went unanswered)", n, where, c.Attempts)
	case n > 1:
		v.add(c, doubled, "found %d times in %s (sent once, answered %d)", n, where, c.Status)
	}
}

// settle runs the checks again while they find problems, for at most d: after a restart,
// events may take a moment to reach the read models and the stored documents.
func (ch *checker) settle(ctx context.Context, d time.Duration) (verdicts, error) {
	deadline := time.Now().Add(d)
	for {
		v, err := ch.pass(ctx)
		if err != nil || len(v) == 0 || time.Now().After(deadline) {
			return v, err
		}
		time.Sleep(500 * time.Millisecond)
	}
}

func (ch *checker) pass(ctx context.Context) (verdicts, error) {
	v := verdicts{}
	byKind := map[kind][]*command{}
	byPerson := map[string][]*command{}
	for _, c := range ch.cmds {
		byKind[c.Kind] = append(byKind[c.Kind], c)
		if c.Person != "" {
			byPerson[c.Person] = append(byPerson[c.Person], c)
		}
	}

	// Invites: one person per e-mail address, a working set-password link, a plan.
	type person struct {
		ID    string `json:"id"`
		Email string `json:"email"`
	}
	people, err := allPages[person](ctx, ch, "/api/v1/people")
	if err != nil {
		return nil, err
	}
	emails := map[string]int{}
	for _, p := range people {
		emails[strings.ToLower(p.Email)]++
	}
	for _, c := range byKind[kindInvite] {
		v.count(c, emails[strings.ToLower(c.Email)], "the people list")
		if !c.exact() || c.Used {
			continue
		}
		if status, err := ch.api.get(ctx, "/set-password?token="+c.Link, "", nil); err != nil {
			return nil, err
		} else if status != http.StatusOK {
			v.add(c, lost, "its set-password link answers %d", status)
		}
		if status, err := ch.api.getAs(ctx, planPath(c.Person), ch.hr, nil); err != nil {
			return nil, err
		} else if status != http.StatusOK {
			v.add(c, lost, "no onboarding plan (%d)", status)
		}
	}

	taskCmds := map[string][]*command{} // per person, the task commands the store is checked for
	// Passwords: the hire signs in with the password they set.
	for _, c := range byKind[kindPassword] {
		if !c.exact() {
			continue
		}
		status, _, err := ch.api.send(ctx, http.MethodPost, "/api/v1/auth/token", "", "",
			map[string]string{"email": c.Email, "password": c.Secret})
		if err != nil && !errors.Is(err, errNoAnswer) {
			return nil, err
		}
		if status != http.StatusOK {
			v.add(c, lost, "signing in with the password set answers %d %v", status, err)
		}
	}

	// Tasks: every completion and reopening in the plan's history as often as it may be,
	// and every task in the state its last acknowledged command left it.
	for _, p := range ch.people {
		if p.tasks == nil {
			continue
		}
		var plan planView
		if status, err := ch.api.getAs(ctx, planPath(p.id), ch.hr, &plan); err != nil || status != http.StatusOK {
			return nil, fmt.Errorf("chaos: plan of %s: %d %v", p.id, status, err)
		}
		markers := map[string]int{}
		for _, h := range plan.History {
			markers[h.Detail]++
		}
		// A command that undid a lost one found nothing to undo: only the first is lost.
		// The store is held to the same (counted) commands.
		prevMissing := map[string]bool{}
		for _, c := range byPerson[p.id] {
			if c.Kind != kindComplete && c.Kind != kindReopen {
				continue
			}
			n := markers[c.ID]
			if c.exact() && n == 0 && prevMissing[c.Task] {
				prevMissing[c.Task] = false
				continue
			}
			v.count(c, n, "the plan's history")
			taskCmds[p.id] = append(taskCmds[p.id], c)
			if c.Outcome == acked {
				prevMissing[c.Task] = c.exact() && n == 0
			}
		}
		done := map[string]bool{}
		for _, t := range plan.Tasks {
			done[t.ID] = t.Done
		}
		for _, t := range p.tasks {
			if t.certain && t.last != nil && done[t.id] != t.done {
				v.add(t.last, lost, "task %s is done=%v, want %v", t.id, done[t.id], t.done)
			}
		}
	}

	// Skills: every assessment and verification in the record's history.
	for id, cs := range byPerson {
		var notes map[string]int
		for _, c := range cs {
			if c.Kind != kindAssess && c.Kind != kindVerify {
				continue
			}
			if notes == nil {
				var err error
				if notes, err = ch.skillNotes(ctx, id); err != nil {
					return nil, err
				}
			}
			v.count(c, notes[c.Skill+"\x00"+c.ID], "the skill record's history")
		}
	}

	// Training: every assignment reaches its person (the report has one row per person and
	// module, so doubles show only in the stored documents).
	type reportRow struct {
		Person   string `json:"person"`
		Module   string `json:"module"`
		Assigned bool   `json:"assigned"`
	}
	rows, err := allPages[reportRow](ctx, ch, "/api/v1/training/report")
	if err != nil {
		return nil, err
	}
	assigned := map[string]bool{}
	for _, r := range rows {
		if r.Assigned {
			assigned[r.Person+"\x00"+r.Module] = true
		}
	}
	for _, c := range byKind[kindAssign] {
		if c.exact() && !assigned[c.Person+"\x00"+c.Module] {
			v.add(c, lost, "module %s not assigned to %s in the training report", c.Module, c.Person)
		}
	}

	if ch.store != nil {
		if err := ch.checkStore(ctx, v, byKind[kindAssign], taskCmds); err != nil {
			return nil, err
		}
	}
	return v, nil
}

func (ch *checker) skillNotes(ctx context.Context, person string) (map[string]int, error) {
	var rec struct {
		Items []struct {
			Skill   string `json:"skill"`
			History []struct {
				Note string `json:"note"`
			} `json:"history"`
		} `json:"items"`
	}
	status, err := ch.api.getAs(ctx, "/api/v1/people/"+pathEscape(person)+"/skills", ch.hr, &rec)
	if err != nil || status != http.StatusOK {
		return nil, fmt.Errorf("chaos: skills of %s: %d %v", person, status, err)
	}
	notes := map[string]int{}
	for _, it := range rec.Items {
		for _, h := range it.History {
			if h.Note != "" {
				notes[it.Skill+"\x00"+h.Note]++
			}
		}
	}
	return notes, nil
}

// checkStore reads the stored documents: one assignment document per assignment, and
// every plan's history and tasks as the API shows them.
func (ch *checker) checkStore(ctx context.Context, v verdicts, assigns []*command, taskCmds map[string][]*command) error {
	asg := ch.store.Database("training").Collection("assignments")
	for _, c := range assigns {
		n, err := asg.CountDocuments(ctx, bson.D{{Key: "module", Value: c.Module}, {Key: "kind", Value: "person"}, {Key: "target", Value: c.Person}})
		if err != nil {
			return fmt.Errorf("chaos: store: count assignments: %w", err)
		}
		v.count(c, int(n), "the stored assignments")
	}
	plans := ch.store.Database("onboarding").Collection("plans")
	for _, p := range ch.people {
		if p.tasks == nil {
			continue
		}
		var doc struct {
			Tasks []struct {
				ID   string `bson:"id"`
				Done bool   `bson:"done"`
			} `bson:"tasks"`
			History []struct {
				Detail string `bson:"detail"`
			} `bson:"history"`
		}
		err := plans.FindOne(ctx, bson.D{{Key: "_id", Value: "plan-" + p.id}}).Decode(&doc)
		if errors.Is(err, mongo.ErrNoDocuments) {
			for _, c := range taskCmds[p.id] {
				v.count(c, 0, "the stored plans (no document plan-"+p.id+")")
			}
			continue
		}
		if err != nil {
			return fmt.Errorf("chaos: store: plan-%s: %w", p.id, err)
		}
		markers := map[string]int{}
		for _, h := range doc.History {
			markers[h.Detail]++
		}
		for _, c := range taskCmds[p.id] {
			v.count(c, markers[c.ID], "the stored plan's history")
		}
		done := map[string]bool{}
		for _, t := range doc.Tasks {
			done["plan-"+p.id+"."+t.ID] = t.Done
		}
		for _, t := range p.tasks {
			if t.certain && t.last != nil && done[t.id] != t.done {
				v.add(t.last, lost, "stored task %s is done=%v, want %v", t.id, done[t.id], t.done)
			}
		}
	}
	return nil
}

// probe sends one more valid command to every record the load touched (and one invite):
// a record that refuses it with 409 or fails with 5xx for the whole window is stuck.
func (ch *checker) probe(ctx context.Context, clients []*client, window time.Duration) ([]problem, int, error) {
	type probeCmd struct {
		kind       kind
		what, path string
		s          *session
		body       any
	}
	var probes []probeCmd
	today := time.Now().UTC().Format(time.DateOnly)
	for _, c := range clients {
		sk := c.w.skills[0]
		probes = append(probes, probeCmd{kindAssess, "self-assessment of " + c.self.id,
			"/api/v1/people/" + pathEscape(c.self.id) + "/skills/" + pathEscape(sk.ID) + "/assessments", c.self,
			map[string]any{"level": sk.MinLevel, "note": fmt.Sprintf("probe-c%d", c.n)}})
		for _, p := range c.people {
			probes = append(probes, probeCmd{kindVerify, "verification on " + p.id,
				"/api/v1/people/" + pathEscape(p.id) + "/skills/" + pathEscape(sk.ID) + "/verifications", c.hr,
				map[string]any{"level": sk.MinLevel, "note": "probe"}})
			if len(p.tasks) > 0 {
				t := p.tasks[0]
				action, body := "/complete", map[string]string{"evidence": "probe"}
				if t.certain && t.done {
					action, body = "/reopen", map[string]string{"reason": "probe"}
				}
				k := map[string]kind{"/complete": kindComplete, "/reopen": kindReopen}[action]
				probes = append(probes, probeCmd{k, "task " + t.id, "/api/v1/onboarding/tasks/" + pathEscape(t.id) + action, c.hr, body})
			}
			for _, m := range c.w.modules {
				if !p.modules[m] {
					probes = append(probes, probeCmd{kindAssign, "assignment of " + m + " to " + p.id, "/api/v1/training/assignments", c.hr,
						map[string]string{"module": m, "person": p.id, "due": time.Now().UTC().AddDate(0, 0, 30).Format(time.DateOnly)}})
					break
				}
			}
		}
	}
	if len(clients) > 0 {
		c := clients[0]
		probes = append(probes, probeCmd{kindInvite, "an invite", "/api/v1/people", c.hr, map[string]string{
			"email": fmt.Sprintf("probe-%d@chaos.example", c.seed), "name": "Chaos Probe", "track": c.w.tracks[0],
			"team": "chaos", "start_date": today}})
	}

	// Probes run side by side, so that many stuck records do not take a window each in turn.
	var mu sync.Mutex
	var out []problem
	var firstErr error
	work := make(chan probeCmd)
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for p := range work {
				pr, err := ch.probeOne(ctx, p.kind, p.what, p.path, p.s, p.body, window)
				mu.Lock()
				if pr != nil {
					out = append(out, *pr)
				}
				if err != nil && firstErr == nil {
					firstErr = err
				}
				mu.Unlock()
			}
		})
	}
	for _, p := range probes {
		work <- p
	}
	close(work)
	wg.Wait()
	if firstErr != nil {
		return nil, 0, firstErr
	}
	slices.SortFunc(out, func(a, b problem) int { return strings.Compare(a.Detail, b.Detail) })
	return out, len(probes), nil
}

// probeOne sends one valid command until it is accepted, refused for a reason other than a
// conflict, or window has passed.
func (ch *checker) probeOne(ctx context.Context, k kind, what, path string, s *session, body any, window time.Duration) (*problem, error) {
	deadline := time.Now().Add(window)
	renewed := false
	for {
		status, b, err := ch.api.send(ctx, http.MethodPost, path, s.current(), "", body)
		if err != nil && !errors.Is(err, errNoAnswer) {
			return nil, err
		}
		if err == nil && status == http.StatusUnauthorized && !renewed {
			renewed = true
			if err := s.renew(ctx, ch.api); err != nil {
				return nil, err
			}
			continue
		}
		if err == nil && status < 300 {
			return nil, nil
		}
		if err == nil && status != http.StatusConflict && status < 500 {
			return &problem{k, stuck, fmt.Sprintf("%s: refused with %d: %s", what, status, b)}, nil
		}
		if time.Now().After(deadline) {
			return &problem{k, stuck, fmt.Sprintf("%s: still %d %v after %v: %s", what, status, err, window, b)}, nil
		}
		time.Sleep(250 * time.Millisecond)
	}
}

// allPages reads every page of a list API (?limit=&cursor=, answered {"items","next"}).
func allPages[T any](ctx context.Context, ch *checker, path string) ([]T, error) {
	var all []T
	for cursor, first := "", true; first || cursor != ""; first = false {
		var page struct {
			Items []T    `json:"items"`
			Next  string `json:"next"`
		}
		if status, err := ch.api.getAs(ctx, path+"?limit=200&cursor="+url.QueryEscape(cursor), ch.hr, &page); err != nil || status != http.StatusOK {
			return nil, fmt.Errorf("chaos: %s: %d %v", path, status, err)
		}
		all = append(all, page.Items...)
		cursor = page.Next
	}
	return all, nil
}
