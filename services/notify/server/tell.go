package server

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"onramp.dev/events"
	"onramp.dev/infra/background"
	"onramp.dev/infra/bus"
	"onramp.dev/infra/consumer"
	"onramp.dev/infra/directory"
	"onramp.dev/infra/eventlog"
	"onramp.dev/infra/trace"
	"onramp.dev/services/notify"
	"onramp.dev/services/notify/mailtmpl"
)

// note is one notification to record for one person.
type note struct {
	person string
	key    string // once per key and person
	kind   string
	title  string
	body   string
	link   string // path in the web app
	inbox  bool   // show it in the app
	mail   bool   // also e-mail it (if the person takes e-mail of kind)
	action string // the e-mail's button label
	url    string // the e-mail's button target (default PublicURL+link)
	lines  []string
	// digest marks the daily digest e-mail: its items were chosen by the person's
	// settings already; through is the newest item it lists.
	digest  bool
	through time.Time
	// letter is the daily reminder's e-mail: its title and sections (what of the reminder
	// the person takes by e-mail).
	letter *notify.Message
}

// tell records n once: an inbox item and/or a queued e-mail in one event on the person's
// record, appended only if no notification with its key was recorded before.
func (m *Main) tell(ctx context.Context, actor string, n note) error {
	p, ok := m.dir.Current(ctx, n.person)
	if !ok || !p.Active {
		return nil
	}
	defer m.el.Lock(n.person)()
	return eventlog.Retry(func() error {
		now := m.cfg.Now()
		m.el.RLock()
		has := m.state.Has(n.person, n.key)
		seq := m.state.Seq(n.person)
		mode := m.state.EmailMode(n.person, n.kind)
		m.el.RUnlock()
		if has {
			return nil
		}
		e := events.Notified{Key: n.key, DigestThrough: n.through}
		if n.inbox {
			e.Item = &events.NotifyItem{ID: events.NewID(now), Kind: n.kind, Title: n.title, Body: n.body, Link: n.link}
		}
		if n.mail && (mode == events.EmailImmediate || n.digest) && p.Email != "" {
			ml, err := m.render(p, n, now)
			if err != nil {
				return err
			}
			e.Mail = &ml
		}
		if e.Item == nil && e.Mail == nil {
			return nil
		}
		env, err := events.New(actor, n.person, e, now)
		if err != nil {
			return fmt.Errorf("%w: %w", consumer.ErrPermanent, err)
		}
		_, err = m.el.Commit(ctx, env, bus.Expect{Filter: events.RecordFilter("notify", "person", n.person), LastSeq: seq})
		return err
	})
}

// render writes the e-mail of a note: plain text and HTML (templ), with a Message-ID on
// the public URL's host.
func (m *Main) render(p directory.Person, n note, now time.Time) (events.NotifyMail, error) {
	id := events.NewID(now)
	target := n.url
	if target == "" && n.link != "" {
		target = m.cfg.PublicURL + n.link
	}
	prefs := m.cfg.PublicURL + "/settings/notifications"
	host := "onramp.invalid"
	if u, err := url.Parse(m.cfg.PublicURL); err == nil && u.Hostname() != "" {
		host = u.Hostname()
	}
	data := mailtmpl.Data{Name: p.Name, Title: n.title, Body: n.body, Lines: n.lines, Action: n.action, URL: target, Preferences: prefs}
	if l := n.letter; l != nil {
		data.Title, data.Body = l.Title, "Here is what needs your attention today."
		for _, s := range l.Sections {
			sec := mailtmpl.Section{Heading: s.Heading, Lines: s.Lines, More: s.More}
			if s.Link != "" {
				sec.URL = m.cfg.PublicURL + s.Link
			}
			data.Sections = append(data.Sections, sec)
		}
	}
	if data.Action == "" && target != "" {
		data.Action = "Open in Onramp"
	}
	html, err := mailtmpl.HTML(data)
	if err != nil {
		return events.NotifyMail{}, fmt.Errorf("notify: render mail: %w", err)
	}
	return events.NotifyMail{ID: id, To: p.Email, Subject: data.Title, Text: mailtmpl.Text(data), HTML: html,
		MessageID: "<" + id + "@" + host + ">"}, nil
}

// leadsOf returns the leads of person: their recorded lead, else the leads of their team.
func (m *Main) leadsOf(person string) []directory.Person {
	p, ok := m.dir.Person(person)
	if !ok {
		return nil
	}
	if l, ok := m.dir.Person(p.Lead); ok && l.Active {
		return []directory.Person{l}
	}
	return m.dir.Find(func(x directory.Person) bool { return x.Team == p.Team && x.Has(events.RoleLead) && x.ID != person })
}

// withRole returns the active people holding role.
func (m *Main) withRole(role string) []directory.Person {
	return m.dir.Find(func(x directory.Person) bool { return x.Has(role) })
}

// holders are the people behind a task's assignee: the person, or a queue's members.
func (m *Main) holders(assignee string) []directory.Person {
	switch assignee {
	case "":
		return nil
	case events.QueueIT:
		return m.withRole(events.RoleIT)
	case events.QueueHR:
		return m.withRole(events.RoleHR)
	}
	if p, ok := m.dir.Person(assignee); ok && p.Active {
		return []directory.Person{p}
	}
	return nil
}

// memo remembers holders and leads for one sweep or feed, so a large organisation's
// thousands of items cost one directory scan per queue or team, not one per item.
type memo struct {
	m       *Main
	holders map[string][]directory.Person
	leads   map[string][]directory.Person
}

func (m *Main) memo() *memo {
	return &memo{m: m, holders: map[string][]directory.Person{}, leads: map[string][]directory.Person{}}
}

func (c *memo) holdersOf(assignee string) []directory.Person {
	if h, ok := c.holders[assignee]; ok {
		return h
	}
	h := c.m.holders(assignee)
	c.holders[assignee] = h
	return h
}

func (c *memo) leadsOf(person string) []directory.Person {
	if l, ok := c.leads[person]; ok {
		return l
	}
	l := c.m.leadsOf(person)
	c.leads[person] = l
	return l
}

func (m *Main) name(id string) string {
	if p, ok := m.dir.Person(id); ok {
		return p.Name
	}
	return "someone"
}

// notesFor turns another domain's event into the notifications it causes (keyed by the
// event id and recipient, so a redelivery records nothing twice).
func (m *Main) notesFor(env events.Envelope) ([]note, error) {
	var out []note
	add := func(people []directory.Person, n note) {
		for _, p := range people {
			c := n
			c.person, c.key = p.ID, "ev:"+env.ID+":"+p.ID
			out = append(out, c)
		}
	}
	one := func(id string) []directory.Person {
		if p, ok := m.dir.Person(id); ok {
			return []directory.Person{p}
		}
		return nil
	}
	switch env.Type {
	case events.PlanCreated{}.EventType():
		var e events.PlanCreated
		if err := env.Payload(&e); err != nil {
			return nil, err
		}
		add(one(e.Hire), note{kind: events.KindPlanCreated, title: "Plan created: your onboarding plan is ready",
			body: fmt.Sprintf("Your onboarding plan has %d tasks, the first due on %s.", len(e.Tasks), notify.Day(firstDue(e.Tasks))),
			link: "/onboarding", inbox: true, mail: true, action: "See your plan"})
		leads := one(e.Lead)
		if len(leads) == 0 {
			leads = m.leadsOf(e.Hire)
		}
		add(leads, note{kind: events.KindPlanCreated, title: "Plan created for " + e.Name,
			body: fmt.Sprintf("%s starts on %s; their plan has %d tasks.", e.Name, notify.Day(e.StartDate), len(e.Tasks)),
			link: "/onboarding/plans/" + env.Subject, inbox: true, mail: true, action: "See the plan"})
	case events.PlanCompleted{}.EventType():
		var e events.PlanCompleted
		if err := env.Payload(&e); err != nil {
			return nil, err
		}
		n := note{kind: events.KindPlanCompleted, title: m.name(e.Hire) + " completed onboarding",
			body: fmt.Sprintf("All %d tasks of the plan are done.", e.Tasks), link: "/onboarding/plans/" + env.Subject, inbox: true, mail: true}
		add(m.leadsOf(e.Hire), n)
		add(m.withRole(events.RoleHR), n)
	case events.TaskAdded{}.EventType():
		var e events.TaskAdded
		if err := env.Payload(&e); err != nil {
			return nil, err
		}
		add(m.holders(e.Task.Assignee), note{kind: events.KindTaskAssigned, title: "Task assigned: " + e.Task.Title,
			body: "Due on " + notify.Day(e.Task.Due) + ".", link: "/onboarding/tasks", inbox: true, mail: true})
	case events.TaskChanged{}.EventType():
		var e events.TaskChanged
		if err := env.Payload(&e); err != nil {
			return nil, err
		}
		if e.Owner == "" {
			return nil, nil
		}
		title := "a task"
		if it, ok := m.agenda.Item("task:" + env.Subject + ":" + e.Task); ok {
			title = it.Title
		}
		add(m.holders(e.Assignee), note{kind: events.KindTaskAssigned, title: "Task reassigned to you: " + title,
			link: "/onboarding/tasks", inbox: true, mail: true})
	case events.TasksReassigned{}.EventType():
		var e events.TasksReassigned
		if err := env.Payload(&e); err != nil {
			return nil, err
		}
		add(m.holders(e.To), note{kind: events.KindTaskAssigned,
			title: fmt.Sprintf("%d onboarding tasks of %s moved to you", len(e.Tasks), m.name(strings.TrimPrefix(env.Subject, "plan-"))),
			link:  "/onboarding/tasks", inbox: true, mail: true})
	case events.AssignmentCreated{}.EventType(), events.AssignmentReached{}.EventType():
		var module, due string
		var people []string
		if env.Type == (events.AssignmentCreated{}).EventType() {
			var e events.AssignmentCreated
			if err := env.Payload(&e); err != nil {
				return nil, err
			}
			module, due, people = e.Module, e.Due, e.People
		} else {
			var e events.AssignmentReached
			if err := env.Payload(&e); err != nil {
				return nil, err
			}
			module, people = e.Module, e.People
		}
		for _, p := range people {
			it, _ := m.agenda.Item("training:" + p + ":" + module)
			title := cmpOr(it.Title, module)
			if due == "" {
				due = it.Due
			}
			add(one(p), note{kind: events.KindTrainingAssigned, title: "Training assigned: " + title,
				body: "Due on " + notify.Day(due) + ".", link: "/training/modules/" + module, inbox: true, mail: true, action: "Start the module"})
		}
	case events.ModulePassed{}.EventType():
		var e events.ModulePassed
		if err := env.Payload(&e); err != nil {
			return nil, err
		}
		add(m.leadsOf(e.Person), note{kind: events.KindModulePassed, title: fmt.Sprintf("%s passed %s", m.name(e.Person), e.Title),
			body: fmt.Sprintf("Score: %d%%.", e.Score), link: "/training/team", inbox: true, mail: true})
	case events.MentorshipProposed{}.EventType():
		var e events.MentorshipProposed
		if err := env.Payload(&e); err != nil {
			return nil, err
		}
		add(one(e.Mentor), note{kind: events.KindMentorshipUpdates, title: "You were proposed as mentor for " + m.name(e.Hire),
			body: "Accept or decline the invitation.", link: "/mentorship/pairs/" + env.Subject, inbox: true, mail: true, action: "Answer"})
	case events.MentorshipAccepted{}.EventType(), events.MentorshipDeclined{}.EventType(), events.MentorshipEnded{}.EventType():
		var hire, mentor, verb, reason string
		switch env.Type {
		case events.MentorshipAccepted{}.EventType():
			var e events.MentorshipAccepted
			if err := env.Payload(&e); err != nil {
				return nil, err
			}
			hire, mentor, verb = e.Hire, e.Mentor, "accepted"
		case events.MentorshipDeclined{}.EventType():
			var e events.MentorshipDeclined
			if err := env.Payload(&e); err != nil {
				return nil, err
			}
			hire, mentor, verb, reason = e.Hire, e.Mentor, "declined", e.Reason
		default:
			var e events.MentorshipEnded
			if err := env.Payload(&e); err != nil {
				return nil, err
			}
			hire, mentor, verb, reason = e.Hire, e.Mentor, "ended", e.Reason
		}
		body := ""
		if reason != "" {
			body = "Reason: " + reason
		}
		n := note{kind: events.KindMentorshipUpdates, title: fmt.Sprintf("Mentorship %s: %s and %s", verb, m.name(mentor), m.name(hire)),
			body: body, link: "/mentorship/pairs/" + env.Subject, inbox: true, mail: true}
		add(one(hire), n)
		add(m.leadsOf(hire), n)
	}
	return out, nil
}

func firstDue(ts []events.PlanTask) string {
	if len(ts) == 0 {
		return "—"
	}
	return slices.MinFunc(ts, func(a, b events.PlanTask) int { return strings.Compare(a.Due, b.Due) }).Due
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// onSource handles another domain's event: every notification it causes, each once.
func (m *Main) onSource(ctx context.Context, msg *consumer.Msg) error {
	// People hired a moment ago may not be in the directory yet.
	m.dir.CatchUp(ctx, 5*time.Second)
	notes, err := m.notesFor(msg.Env)
	if err != nil {
		return err
	}
	for _, n := range notes {
		if err := m.tell(ctx, msg.Env.Actor, n); err != nil {
			return err
		}
	}
	return nil
}

// onLink e-mails a set-password link identity issued.
func (m *Main) onLink(ctx context.Context, msg *consumer.Msg) error {
	var e events.LinkMailRequested
	if err := msg.Env.Payload(&e); err != nil {
		return err
	}
	if !m.cfg.Now().Before(e.ExpiresAt) {
		return nil // expired before it could be sent: HR issues a new one
	}
	title := "Welcome to Onramp: set your password"
	body := "You have been invited to Onramp, where your onboarding plan and training wait for you. " +
		"Choose a password with the link below; it works once, until " + e.ExpiresAt.UTC().Format("2 January 2006 15:04 MST") + "."
	if e.Reissue {
		title = "Onramp: your new set-password link"
		body = "A new link to set your Onramp password was issued; earlier links no longer work. It works once, until " +
			e.ExpiresAt.UTC().Format("2 January 2006 15:04 MST") + "."
	}
	return m.tell(ctx, msg.Env.Actor, note{person: msg.Env.Subject, key: "link:" + msg.Env.ID, kind: events.KindInvite,
		title: title, body: body, mail: true, action: "Set your password",
		url: m.cfg.PublicURL + "/set-password?token=" + url.QueryEscape(e.Token)})
}

// deliver hands a recorded e-mail to the mail server and records the outcome. A mail
// already recorded as sent or failed is not sent again; a mail accepted by the server but
// not yet recorded when the process dies is sent once more — the only duplicate possible.
func (m *Main) deliver(ctx context.Context, msg *consumer.Msg) error {
	var e events.Notified
	if err := msg.Env.Payload(&e); err != nil {
		return err
	}
	if e.Mail == nil {
		return nil
	}
	// Whether an outcome was recorded is asked of the stream itself, not of the model,
	// which may still be catching up after a crash.
	switch _, err := m.stream.GetLastMsgForSubject(ctx, events.RecordFilter("notify", "mail", e.Mail.ID)); {
	case err == nil:
		return nil // sent or failed already
	case !errors.Is(err, jetstream.ErrMsgNotFound):
		return fmt.Errorf("notify: outcome of %s: %w", e.Mail.ID, err)
	}
	person := msg.Env.Subject
	attempts := int(msg.Attempts)
	err := m.cfg.Mailer.Send(ctx, m.cfg.From, *e.Mail, m.cfg.PublicURL+"/settings/notifications")
	if err == nil {
		return m.record(ctx, e.Mail.ID, events.MailSent{Person: person, Attempts: attempts, Transport: m.cfg.Mailer.Transport()})
	}
	var refused *Refused
	if errors.As(err, &refused) {
		if rerr := m.record(ctx, e.Mail.ID, events.MailFailed{Person: person, Reason: refused.Error(), Attempts: attempts, Permanent: true}); rerr != nil {
			return rerr
		}
		return fmt.Errorf("%w: %w", consumer.ErrPermanent, err)
	}
	m.log.Warn("mail not sent; will retry", "mail", e.Mail.ID, "attempt", attempts, "err", err)
	if attempts >= m.cfg.Attempts {
		if rerr := m.record(ctx, e.Mail.ID, events.MailFailed{Person: person,
			Reason: fmt.Sprintf("gave up after %d attempts: %v", attempts, err), Attempts: attempts}); rerr != nil {
			return rerr
		}
	}
	return err
}

// senders is how many e-mails are handed to the mail server at once.
const senders = 8

// deliverBatch delivers a batch's e-mails, senders at a time; each message succeeds or
// fails on its own.
func (m *Main) deliverBatch(ctx context.Context, batch []*consumer.Msg) error {
	sem := make(chan struct{}, senders)
	var wg sync.WaitGroup
	for _, msg := range batch {
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			if err := m.deliver(trace.With(ctx, msg.Env.Trace), msg); err != nil {
				msg.Fail(err)
			}
		})
	}
	wg.Wait()
	return nil
}

// record appends a mail's outcome, once: a second outcome for the same mail is refused
// by the stream's expectation and ignored.
func (m *Main) record(ctx context.Context, mail string, p events.Payload) error {
	env, err := events.New(events.System, mail, p, m.cfg.Now())
	if err != nil {
		return fmt.Errorf("%w: %w", consumer.ErrPermanent, err)
	}
	_, err = m.el.Commit(ctx, env, bus.Expect{Filter: events.RecordFilter("notify", "mail", mail), LastSeq: 0})
	if errors.Is(err, bus.ErrConflict) {
		return nil
	}
	return err
}

// startConsumers starts the durable consumers of other domains' events, of link requests
// and the sender.
func (m *Main) startConsumers(ctx context.Context) error {
	type spec struct {
		stream, name string
		types        []events.Payload
		handle       consumer.Handler
		cfg          func(*consumer.Config)
	}
	// Telling is idempotent and a large fan-out (a track of thousands) keeps its progress
	// across deliveries, so these consumers never give up on a valid event; invalid ones
	// are dead-lettered at once.
	forever := func(c *consumer.Config) { c.MaxDeliver = -1 }
	specs := []spec{
		{"ONBOARDING", "onboarding", []events.Payload{events.PlanCreated{}, events.PlanCompleted{}, events.TaskAdded{}, events.TaskChanged{}, events.TasksReassigned{}}, consumer.Each(m.onSource), forever},
		{"TRAINING", "training", []events.Payload{events.AssignmentCreated{}, events.AssignmentReached{}, events.ModulePassed{}}, consumer.Each(m.onSource), forever},
		{"MENTORSHIP", "mentorship", []events.Payload{events.MentorshipProposed{}, events.MentorshipAccepted{}, events.MentorshipDeclined{}, events.MentorshipEnded{}}, consumer.Each(m.onSource), forever},
		{"NOTIFY", "links", []events.Payload{events.LinkMailRequested{}}, consumer.Each(m.onLink), forever},
		{"NOTIFY", "sender", []events.Payload{events.Notified{}}, m.deliverBatch, func(c *consumer.Config) {
			c.MaxDeliver, c.Backoff, c.AckWait, c.Batch = m.cfg.Attempts, m.cfg.Backoff, m.cfg.SenderAckWait, 64
		}},
	}
	for _, s := range specs {
		cc := consumer.Config{Stream: s.stream, Durable: m.cfg.Prefix + "-" + s.name, Logger: m.log}
		for _, t := range s.types {
			cc.Filters = append(cc.Filters, events.TypeFilter(t.EventType()))
		}
		if s.cfg != nil {
			s.cfg(&cc)
		}
		c, err := consumer.New(ctx, m.js, cc)
		if err != nil {
			return err
		}
		h := s.handle
		m.bg.Go(func(ctx context.Context) { _ = c.Run(ctx, h) })
	}
	return nil
}

// firstSweepAfter is how long after the start the first sweep waits at most.
const firstSweepAfter = 10 * time.Second

// sweepLoop climbs the ladder a little after the start, and then every SweepEvery. The
// first sweep waits so that it does not compete with the other services still loading
// their models (at 10,000 staff a sweep reads 400,000 tracked items).
func (m *Main) sweepLoop(ctx context.Context) {
	select {
	case <-ctx.Done():
		return
	case <-time.After(min(m.cfg.SweepEvery, firstSweepAfter)):
	}
	background.Every(ctx, m.cfg.SweepEvery, func(ctx context.Context) {
		if _, err := m.Sweep(ctx); err != nil && ctx.Err() == nil {
			m.log.Warn("reminder sweep failed", "err", err)
		}
	})
}

// Sweep records what is due now and not recorded yet: each person's daily reminder (the
// ladder's rungs that apply to them today, one notification a day), certification
// notices, check-in silences and the daily digest. It returns how many notifications it
// considered (recorded ones are skipped by key, so a sweep that dies half-way and runs
// again tells nobody twice).
func (m *Main) Sweep(ctx context.Context) (int, error) {
	now := m.cfg.Now()
	n := 0
	s := m.newSweep(now)
	for _, p := range m.withRole(events.RoleHR) {
		if r := s.reminder(p); r != nil {
			r.all.SetOrg(s.org(r.today, nil))
			if r.mail != nil && r.mail != &r.all {
				r.mail.SetOrg(s.org(r.today, r.off))
			}
		}
	}
	// Every reminder goes to an active person. When none of them has one due now (before
	// their reminder time, or told today already), which is most sweeps of a day, only the
	// certifications are read, not every open item of the organisation.
	items := m.agenda.EachOpen
	if len(s.orgs) == 0 && !slices.ContainsFunc(m.dir.Find(func(directory.Person) bool { return true }),
		func(p directory.Person) bool { return s.reminder(p) != nil }) {
		items = m.agenda.EachOpenKind(events.KindCertExpiry)
	}
	for it := range items {
		if it.Kind == events.KindCertExpiry {
			k, err := m.certReminder(ctx, s, it)
			n += k
			if err != nil {
				return n, err
			}
			continue
		}
		s.add(it)
	}
	k, err := s.tell(ctx)
	n += k
	if err != nil {
		return n, err
	}
	k, err = m.silences(ctx, s)
	n += k
	if err != nil {
		return n, err
	}
	d, err := m.digests(ctx, now)
	return n + d, err
}

// sweep gathers one sweep's reminders: who is told what today.
type sweep struct {
	m     *Main
	now   time.Time
	look  *memo
	days  map[string]day
	rems  map[string]*reminder // by person; nil: told today already, or not a reminder day
	orgs  []*orgView
	hires map[string]hireInfo
	rungs map[[2]string][]notify.Rung // by due date and day: a sweep meets a few hundred of them
}

type day struct {
	date string
	ok   bool
}

// reminder is one person's reminder of today: all of it for the inbox, and what of it is
// e-mailed.
type reminder struct {
	today string
	all   notify.Reminders
	mail  *notify.Reminders // &all when every reminder kind is e-mailed; nil when none is
	off   map[string]bool   // reminder kinds whose e-mail the person switched off
}

// each adds to the inbox's reminder and, when the e-mail's is another, to it too unless
// the person switched kind's e-mail off.
func (r *reminder) each(kind string, add func(*notify.Reminders)) {
	add(&r.all)
	if r.mail != nil && r.mail != &r.all && !r.off[kind] {
		add(r.mail)
	}
}

// orgView is HR's summary of a day, without the kinds off (one per day and choice).
type orgView struct {
	today string
	off   map[string]bool
	org   *notify.Org
}

type hireInfo struct{ name, group string }

func (m *Main) newSweep(now time.Time) *sweep {
	return &sweep{m: m, now: now, look: m.memo(), days: map[string]day{}, rems: map[string]*reminder{}, hires: map[string]hireInfo{},
		rungs: map[[2]string][]notify.Rung{}}
}

// reach is notify.Reach, with the rungs of each due date and day worked out once a sweep.
func (s *sweep) reach(due, today, to string) (int, bool) {
	k := [2]string{due, today}
	rs, ok := s.rungs[k]
	if !ok {
		rs = notify.Rungs(due, today)
		s.rungs[k] = rs
	}
	return notify.Reach(rs, to)
}

// day is person's local date now and whether reminders go out then.
func (s *sweep) day(person string) (string, bool) {
	if d, ok := s.days[person]; ok {
		return d.date, d.ok
	}
	s.m.el.RLock()
	loc := s.m.state.TimeZone(person, s.m.cfg.Zone)
	s.m.el.RUnlock()
	date, ok := notify.ReminderDay(s.now, loc, s.m.cfg.Workdays)
	s.days[person] = day{date, ok}
	return date, ok
}

// reminder is p's reminder of today, or nil when none goes out (not their reminder time,
// or recorded already).
func (s *sweep) reminder(p directory.Person) *reminder {
	if r, ok := s.rems[p.ID]; ok {
		return r
	}
	today, ok := s.day(p.ID)
	var r *reminder
	if ok {
		s.m.el.RLock()
		told := s.m.state.Has(p.ID, notify.ReminderKey(today))
		off := map[string]bool{}
		for _, k := range notify.ReminderKinds {
			if s.m.state.EmailMode(p.ID, k) == events.EmailOff {
				off[k] = true
			}
		}
		s.m.el.RUnlock()
		if !told {
			r = &reminder{today: today, off: off}
			switch len(off) {
			case 0:
				r.mail = &r.all
			case len(notify.ReminderKinds):
			default:
				r.mail = &notify.Reminders{}
			}
		}
	}
	s.rems[p.ID] = r
	return r
}

// org is HR's summary of today without the kinds off.
func (s *sweep) org(today string, off map[string]bool) *notify.Org {
	for _, v := range s.orgs {
		if v.today == today && maps.Equal(v.off, off) {
			return v.org
		}
	}
	v := &orgView{today: today, off: off, org: notify.NewOrg()}
	s.orgs = append(s.orgs, v)
	return v.org
}

// hire is the name of a hire and the group HR's summary counts them in: their team and
// lead.
func (s *sweep) hire(id string) hireInfo {
	if h, ok := s.hires[id]; ok {
		return h
	}
	h := hireInfo{name: s.m.name(id), group: "No team"}
	if p, ok := s.m.dir.Person(id); ok && p.Team != "" {
		h.group = "Team " + p.Team
	}
	var leads []string
	for _, l := range s.look.leadsOf(id) {
		leads = append(leads, l.Name)
	}
	if len(leads) > 0 {
		h.group += " (lead " + strings.Join(leads, ", ") + ")"
	}
	s.hires[id] = h
	return h
}

// add puts an open item in the reminders of whom it reaches today: its holders (soon, due,
// overdue), the hire's leads (2 or more days overdue) and HR (7 or more). An item no
// active person holds (unassigned, or its holder left) reaches nobody.
func (s *sweep) add(it notify.Tracked) {
	holders := s.look.holdersOf(it.Owner)
	if len(holders) == 0 {
		return
	}
	for _, h := range holders {
		r := s.reminder(h)
		if r == nil {
			continue
		}
		if days, ok := s.reach(it.Due, r.today, "owner"); ok {
			name := ""
			if it.Hire != h.ID {
				name = s.hire(it.Hire).name
			}
			e := notify.EntryOf(it, days, name)
			r.each(e.Kind, func(x *notify.Reminders) { x.Own(e) })
		}
	}
	for _, l := range s.look.leadsOf(it.Hire) {
		r := s.reminder(l)
		if r == nil {
			continue
		}
		if days, ok := s.reach(it.Due, r.today, "lead"); ok {
			e := notify.EntryOf(it, days, s.hire(it.Hire).name)
			r.each(e.Kind, func(x *notify.Reminders) { x.Lead(it.Hire, e) })
		}
	}
	for _, v := range s.orgs {
		if days, ok := s.reach(it.Due, v.today, "hr"); ok && !v.off[it.Kind] {
			h := s.hire(it.Hire)
			v.org.Add(h.group, it.Hire, notify.EntryOf(it, days, h.name))
		}
	}
}

// tell records every reminder gathered, one notification per person.
func (s *sweep) tell(ctx context.Context) (int, error) {
	ids := slices.Sorted(maps.Keys(s.rems))
	n := 0
	for _, id := range ids {
		r := s.rems[id]
		if r == nil || r.all.Empty() {
			continue
		}
		msg := r.all.Message()
		nt := note{person: id, key: notify.ReminderKey(r.today), kind: msg.Kind, title: msg.Title, body: msg.Summary,
			link: "/", inbox: true, digest: true, action: "Open Onramp"}
		if r.mail != nil && !r.mail.Empty() {
			letter := msg
			if r.mail != &r.all {
				letter = r.mail.Message()
			}
			nt.mail, nt.letter = true, &letter
		}
		n++
		if err := s.m.tell(ctx, events.System, nt); err != nil {
			return n, err
		}
	}
	return n, nil
}

// certReminder tells a certification's holder and their lead as its expiry nears.
func (m *Main) certReminder(ctx context.Context, s *sweep, it notify.Tracked) (int, error) {
	holder, ok := m.dir.Person(it.Owner)
	if !ok || !holder.Active {
		return 0, nil
	}
	today, ok := s.day(holder.ID)
	if !ok {
		return 0, nil
	}
	r, ok := notify.CertRung(it.Due, today)
	if !ok {
		return 0, nil
	}
	title, body := notify.CertText(r, it, holder.Name)
	n := 0
	for _, p := range append([]directory.Person{holder}, m.leadsOf(holder.ID)...) {
		n++
		if err := m.tell(ctx, events.System, note{person: p.ID, key: notify.RungKey(it.Key, it.Due, r.Name), kind: events.KindCertExpiry,
			title: title, body: body, link: it.Link, inbox: true, mail: true}); err != nil {
			return n, err
		}
	}
	return n, nil
}

// silences tells mentor and hire when an active mentorship has had no check-in for 14
// days, once per silence (keyed by the last check-in's date).
func (m *Main) silences(ctx context.Context, s *sweep) (int, error) {
	n := 0
	for _, p := range m.agenda.Silent(s.now.In(m.cfg.Zone).Format(events.DateLayout)) {
		if _, ok := s.day(p.Hire); !ok {
			continue
		}
		title := fmt.Sprintf("No mentorship check-in since %s: %s and %s", notify.Day(p.Last), m.name(p.Mentor), m.name(p.Hire))
		for _, id := range []string{p.Mentor, p.Hire} {
			n++
			if err := m.tell(ctx, events.System, note{person: id, key: "silence:" + p.ID + ":" + p.Last, kind: events.KindCheckinSilence,
				title: title, body: "Plan the next check-in.", link: "/mentorship/pairs/" + p.ID, inbox: true, mail: true}); err != nil {
				return n, err
			}
		}
	}
	return n, nil
}

// digests e-mails each person, once a day at their reminder time, what happened of the
// digest kinds since their last digest.
func (m *Main) digests(ctx context.Context, now time.Time) (int, error) {
	m.el.RLock()
	people := m.state.People()
	m.el.RUnlock()
	n := 0
	for _, id := range people {
		m.el.RLock()
		items := m.state.Digest(id)
		loc := m.state.TimeZone(id, m.cfg.Zone)
		m.el.RUnlock()
		if len(items) == 0 {
			continue
		}
		today, ok := notify.ReminderDay(now, loc, m.cfg.Workdays)
		if !ok {
			continue
		}
		lines := make([]string, len(items))
		for i, it := range items {
			lines[i] = it.Title
			if it.Body != "" {
				lines[i] += " — " + it.Body
			}
		}
		title := "Onramp: 1 update"
		if len(items) > 1 {
			title = fmt.Sprintf("Onramp: %d updates", len(items))
		}
		n++
		if err := m.tell(ctx, events.System, note{person: id, key: "digest:" + today, kind: events.KindTaskAssigned, title: title,
			body: "Here is what happened since your last digest.", lines: lines, link: "/notifications", mail: true,
			action: "See your notifications", digest: true, through: items[len(items)-1].Created}); err != nil {
			return n, err
		}
	}
	return n, nil
}
