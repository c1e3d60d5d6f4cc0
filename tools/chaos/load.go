package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/url"
	"sync/atomic"
	"time"
)

// kind is a sort of command the load sends; kinds is their order in the report.
type kind string

const (
	kindInvite   kind = "invite"
	kindPassword kind = "set password"
	kindComplete kind = "task complete"
	kindReopen   kind = "task reopen"
	kindAssign   kind = "training assignment"
	kindAssess   kind = "skill self-assessment"
	kindVerify   kind = "skill verification"
)

var kinds = []kind{kindInvite, kindPassword, kindComplete, kindReopen, kindAssign, kindAssess, kindVerify}

type outcome int

const (
	acked    outcome = iota + 1 // a 2xx answer
	rejected                    // a 4xx answer, and no earlier attempt went unanswered
	unknown                     // no answer (or 5xx), even after retries: it may or may not have happened
)

// maxAttempts bounds how often a command that got no answer is sent again (with the same
// Idempotency-Key and body, as a well-behaved client does).
const maxAttempts = 8

// command is one state change sent to the portal and what must be true afterwards. Its id
// is also its marker (the evidence, reason or note it carries, or its e-mail address) and
// its Idempotency-Key, so its effect can be found and counted.
type command struct {
	ID       string
	Kind     kind
	Outcome  outcome
	Status   int  // the last HTTP status (0: no answer)
	NoAnswer bool // at least one attempt got no answer
	Attempts int  // how often it was sent
	// Exact: acknowledged, and it must have changed the record exactly once (a completion of
	// a task known to be open, an assignment, an assessment). Otherwise it happened at most once.
	Exact bool

	Person string // the person the command is about (for an invite: once acknowledged)
	Email  string // invite, set password
	Secret string // set password: the password
	Link   string // invite: the set-password token from the 201
	Used   bool   // invite: the link has been used to set a password
	Task   string // task commands: the task's id
	Module string // assignment
	Skill  string // assessment, verification
}

func (c *command) exact() bool { return c.Outcome == acked && c.Exact }

// person is a hire this client invited; only this client changes their records, so the
// client knows what each task's state must be.
type person struct {
	id, team string
	self     *session // signed in after setting their password; nil: HR acts for them
	tasks    []*task  // nil until the plan has been read
	modules  map[string]bool
}

type task struct {
	id, owner string
	done      bool
	certain   bool     // done is known: no command on the task went unanswered since the last acknowledged one
	last      *command // the last acknowledged command on the task
}

// world is what every client reads once: catalogue, modules, tracks and the demo logins.
type world struct {
	skills  []skillRange
	modules []string
	tracks  []string
}

type skillRange struct {
	ID       string `json:"id"`
	MinLevel int    `json:"min_level"`
	MaxLevel int    `json:"max_level"`
}

// selfLogins are the demo people who record their own self-assessments.
var selfLogins = []string{"hire@demo.onramp", "lead@demo.onramp", "mentor@demo.onramp", "it@demo.onramp"}

type client struct {
	n         int
	seed      uint64
	rng       *rand.Rand
	api       *api
	w         *world
	retry     bool
	maxPeople int
	password  string // the demo logins' password

	hr, lead, it, self *session
	people             []*person
	cmds               []*command
	next               int
}

func (c *client) signIn(ctx context.Context) error {
	var err error
	demoPassword := c.password
	if c.hr, err = signIn(ctx, c.api, "hr@demo.onramp", demoPassword); err != nil {
		return err
	}
	if c.lead, err = signIn(ctx, c.api, "lead@demo.onramp", demoPassword); err != nil {
		return err
	}
	if c.it, err = signIn(ctx, c.api, "it@demo.onramp", demoPassword); err != nil {
		return err
	}
	c.self, err = signIn(ctx, c.api, selfLogins[c.n%len(selfLogins)], demoPassword)
	return err
}

// run sends commands until stop is set; a command in progress is finished first.
func (c *client) run(ctx context.Context, stop *atomic.Bool) error {
	for !stop.Load() {
		if err := c.step(ctx); err != nil {
			return err
		}
	}
	return nil
}

func (c *client) newCommand(k kind) *command {
	c.next++
	cmd := &command{ID: fmt.Sprintf("chaos-%d-c%d-%d", c.seed, c.n, c.next), Kind: k}
	c.cmds = append(c.cmds, cmd)
	return cmd
}

func (c *client) step(ctx context.Context) error {
	r := c.rng.Float64()
	switch {
	case len(c.people) < 2 || (len(c.people) < c.maxPeople && r < 0.1):
		return c.invite(ctx)
	case r < 0.55:
		return c.toggleTask(ctx)
	case r < 0.7:
		return c.assign(ctx)
	case r < 0.85:
		return c.verify(ctx)
	default:
		return c.assess(ctx)
	}
}

// exec sends cmd, again while it gets no answer (if retries are on), and records the outcome.
func (c *client) exec(ctx context.Context, cmd *command, method, path string, s *session, body any) ([]byte, error) {
	renewed := false
	for attempt := 1; ; attempt++ {
		token := ""
		if s != nil {
			token = s.current()
		}
		cmd.Attempts++
		status, b, err := c.api.send(ctx, method, path, token, cmd.ID, body)
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		if err != nil && !errors.Is(err, errNoAnswer) {
			return nil, err
		}
		cmd.Status = status
		if err != nil || status >= 500 {
			cmd.NoAnswer = true
			if !c.retry || attempt >= maxAttempts {
				cmd.Outcome = unknown
				return nil, nil
			}
			time.Sleep(time.Duration(attempt) * 200 * time.Millisecond) // 5.6 s in all
			continue
		}
		if status == http.StatusUnauthorized && s != nil && !renewed { // the token expired: nothing happened
			renewed = true
			if err := s.renew(ctx, c.api); err != nil {
				return nil, err
			}
			continue
		}
		switch {
		case status < 300:
			cmd.Outcome = acked
		case cmd.NoAnswer:
			cmd.Outcome = unknown // refused now, perhaps because the unanswered attempt happened
		default:
			cmd.Outcome = rejected
		}
		return b, nil
	}
}

func (c *client) today() time.Time { return time.Now().UTC().Truncate(24 * time.Hour) }

func (c *client) invite(ctx context.Context) error {
	cmd := c.newCommand(kindInvite)
	cmd.Email = cmd.ID + "@chaos.example"
	team, lead := "chaos", ""
	if c.rng.IntN(2) == 0 {
		team, lead = "platform", c.lead.id // the demo lead's team: the lead acts on them too
	}
	invite := cmd
	body := map[string]string{
		"email": cmd.Email, "name": fmt.Sprintf("Chaos Client%d Hire%d", c.n, c.next),
		"track": c.w.tracks[c.rng.IntN(len(c.w.tracks))], "team": team, "lead": lead,
		"start_date": c.today().AddDate(0, 0, c.rng.IntN(30)).Format(time.DateOnly),
	}
	b, err := c.exec(ctx, cmd, http.MethodPost, "/api/v1/people", c.hr, body)
	if err != nil || cmd.Outcome != acked {
		return err
	}
	var reply struct {
		ID  string `json:"id"`
		URL string `json:"set_password_url"`
	}
	if err := json.Unmarshal(b, &reply); err != nil || reply.ID == "" {
		return fmt.Errorf("chaos: invite answer %s: %v", b, err)
	}
	u, err := url.Parse(reply.URL)
	if err != nil {
		return fmt.Errorf("chaos: set-password link %q: %w", reply.URL, err)
	}
	cmd.Exact, cmd.Person, cmd.Link = true, reply.ID, u.Query().Get("token")
	p := &person{id: reply.ID, team: team, modules: map[string]bool{}}
	c.people = append(c.people, p)
	if len(c.people) > 2 { // the first two hires set their password and act for themselves
		return nil
	}
	cmd = c.newCommand(kindPassword)
	cmd.Person, cmd.Email, cmd.Secret, cmd.Exact = p.id, invite.Email, "pw-"+cmd.ID, true
	invite.Used = true
	form := url.Values{"token": {invite.Link}, "password": {cmd.Secret}, "confirm": {cmd.Secret}}
	if _, err := c.exec(ctx, cmd, http.MethodPost, "/set-password", nil, form); err != nil {
		return err
	}
	if cmd.Outcome == acked {
		if p.self, err = signIn(ctx, c.api, cmd.Email, cmd.Secret); err != nil {
			return err
		}
	}
	return nil
}

func (c *client) pick() *person { return c.people[c.rng.IntN(len(c.people))] }

// planView is the part of an onboarding plan the checks read.
type planView struct {
	Tasks []struct {
		ID    string `json:"id"`
		Key   string `json:"key"`
		Owner string `json:"owner"`
		Done  bool   `json:"done"`
	} `json:"tasks"`
	History []struct {
		Task   string `json:"task"`
		Detail string `json:"detail"`
	} `json:"history"`
}

func planPath(personID string) string { return "/api/v1/onboarding/plans/plan-" + pathEscape(personID) }

// toggleTask completes an open task or reopens a done one. A task whose state is unknown
// (a command on it went unanswered) is completed: completing twice changes nothing.
func (c *client) toggleTask(ctx context.Context) error {
	p := c.pick()
	if p.tasks == nil { // the plan is made from the invite's event: read it once it exists
		var v planView
		status, err := c.api.getAs(ctx, planPath(p.id), c.hr, &v)
		if err != nil || status != http.StatusOK {
			return err // not made yet: try another command
		}
		for _, t := range v.Tasks {
			p.tasks = append(p.tasks, &task{id: t.ID, owner: t.Owner, done: t.Done, certain: true})
		}
		if len(p.tasks) == 0 {
			return fmt.Errorf("chaos: plan of %s has no tasks", p.id)
		}
	}
	t := p.tasks[c.rng.IntN(len(p.tasks))]
	s := c.hr // HR may act for anyone; owners mostly act themselves
	switch owner := c.rng.IntN(3) > 0; {
	case owner && t.owner == "lead" && p.team == "platform":
		s = c.lead
	case owner && t.owner == "it":
		s = c.it
	case owner && t.owner == "hire" && p.self != nil:
		s = p.self
	}
	var cmd *command
	var body map[string]string
	var path string
	if t.certain && t.done {
		cmd = c.newCommand(kindReopen)
		body, path = map[string]string{"reason": cmd.ID}, "/api/v1/onboarding/tasks/"+pathEscape(t.id)+"/reopen"
	} else {
		cmd = c.newCommand(kindComplete)
		body, path = map[string]string{"evidence": cmd.ID}, "/api/v1/onboarding/tasks/"+pathEscape(t.id)+"/complete"
	}
	cmd.Person, cmd.Task = p.id, t.id
	if _, err := c.exec(ctx, cmd, http.MethodPost, path, s, body); err != nil {
		return err
	}
	switch cmd.Outcome {
	case acked:
		cmd.Exact = t.certain // the state was known to be the other one: this command changed it
		t.done, t.certain, t.last = cmd.Kind == kindComplete, true, cmd
	case unknown:
		t.certain = false
	}
	return nil
}

func (c *client) assign(ctx context.Context) error {
	p := c.pick()
	var free []string
	for _, m := range c.w.modules {
		if !p.modules[m] {
			free = append(free, m)
		}
	}
	if len(free) == 0 {
		return nil
	}
	cmd := c.newCommand(kindAssign)
	cmd.Person, cmd.Module = p.id, free[c.rng.IntN(len(free))]
	p.modules[cmd.Module] = true // each module is assigned to a person once, so its document can be counted
	s := c.hr
	if p.team == "platform" && c.rng.IntN(2) == 0 {
		s = c.lead
	}
	body := map[string]string{"module": cmd.Module, "person": p.id,
		"due": c.today().AddDate(0, 0, 7+c.rng.IntN(300)).Format(time.DateOnly)}
	_, err := c.exec(ctx, cmd, http.MethodPost, "/api/v1/training/assignments", s, body)
	cmd.Exact = true
	return err
}

func (c *client) level(sk skillRange) int { return sk.MinLevel + c.rng.IntN(sk.MaxLevel-sk.MinLevel+1) }

func (c *client) verify(ctx context.Context) error {
	p := c.pick()
	sk := c.w.skills[c.rng.IntN(len(c.w.skills))]
	cmd := c.newCommand(kindVerify)
	cmd.Person, cmd.Skill, cmd.Exact = p.id, sk.ID, true
	s := c.hr
	if p.team == "platform" && c.rng.IntN(2) == 0 {
		s = c.lead
	}
	path := "/api/v1/people/" + pathEscape(p.id) + "/skills/" + pathEscape(sk.ID) + "/verifications"
	_, err := c.exec(ctx, cmd, http.MethodPost, path, s, map[string]any{"level": c.level(sk), "note": cmd.ID})
	return err
}

// assess records a self-assessment by a demo person or by a hire who set their password.
func (c *client) assess(ctx context.Context) error {
	s := c.self
	if p := c.pick(); p.self != nil && c.rng.IntN(2) == 0 {
		s = p.self
	}
	sk := c.w.skills[c.rng.IntN(len(c.w.skills))]
	cmd := c.newCommand(kindAssess)
	cmd.Person, cmd.Skill, cmd.Exact = s.id, sk.ID, true
	path := "/api/v1/people/" + pathEscape(s.id) + "/skills/" + pathEscape(sk.ID) + "/assessments"
	_, err := c.exec(ctx, cmd, http.MethodPost, path, s, map[string]any{"level": c.level(sk), "note": cmd.ID})
	return err
}

// loadWorld reads the skills catalogue and the training modules through the API.
func loadWorld(ctx context.Context, a *api, s *session, tracks []string) (*world, error) {
	w := &world{tracks: tracks}
	var sk struct {
		Items []skillRange `json:"items"`
	}
	if status, err := a.getAs(ctx, "/api/v1/skills", s, &sk); err != nil || status != http.StatusOK {
		return nil, errors.Join(fmt.Errorf("chaos: skills catalogue: %d", status), err)
	}
	for _, x := range sk.Items {
		if x.MaxLevel >= x.MinLevel && x.MinLevel > 0 {
			w.skills = append(w.skills, x)
		}
	}
	var mods struct {
		Items []struct {
			ID string `json:"id"`
		} `json:"items"`
	}
	if status, err := a.getAs(ctx, "/api/v1/training/modules", s, &mods); err != nil || status != http.StatusOK {
		return nil, errors.Join(fmt.Errorf("chaos: training modules: %d", status), err)
	}
	for _, m := range mods.Items {
		w.modules = append(w.modules, m.ID)
	}
	if len(w.skills) == 0 || len(w.modules) == 0 || len(w.tracks) == 0 {
		return nil, fmt.Errorf("chaos: %d skills, %d modules, %d tracks: nothing to load", len(w.skills), len(w.modules), len(w.tracks))
	}
	return w, nil
}
