package server

import (
	"cmp"
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"onramp.dev/events"
	"onramp.dev/events/identityapi"
	"onramp.dev/events/mentorshipapi"
	"onramp.dev/infra/authn"
	"onramp.dev/infra/bus"
	"onramp.dev/infra/eventlog"
	"onramp.dev/infra/idempotency"
	"onramp.dev/infra/rpc"
	"onramp.dev/services/identity"
)

type empty = events.None

func (m *Main) register() error {
	svc, err := rpc.NewService(m.nc, events.IdentityService, "1.0.0", m.log)
	if err != nil {
		return err
	}
	m.svc = svc
	for _, err := range []error{
		rpc.Serve(svc, identityapi.OpKeys, m.opKeys),
		rpc.Serve(svc, identityapi.OpKeysRotate, m.opKeysRotate),
		rpc.Serve(svc, identityapi.OpLogin, m.opLogin),
		rpc.Serve(svc, identityapi.OpRefresh, m.opRefresh),
		rpc.Serve(svc, identityapi.OpSession, m.opSession),
		rpc.Serve(svc, identityapi.OpLogout, m.opLogout),
		rpc.Serve(svc, identityapi.OpPeopleList, m.opPeopleList),
		rpc.Serve(svc, identityapi.OpPeopleGet, m.opPeopleGet),
		rpc.Serve(svc, identityapi.OpPeopleVisible, m.opPeopleVisible),
		rpc.Serve(svc, identityapi.OpTeams, m.opTeams),
		rpc.Serve(svc, identityapi.OpInvite, m.opInvite),
		rpc.Serve(svc, identityapi.OpIssueLink, m.opIssueLink),
		rpc.Serve(svc, identityapi.OpDisable, m.opDisable),
		rpc.Serve(svc, identityapi.OpEnable, m.opEnable),
		rpc.Serve(svc, identityapi.OpLinkCheck, m.opLinkCheck),
		rpc.Serve(svc, identityapi.OpSetPassword, m.opSetPassword),
		rpc.Serve(svc, identityapi.OpEnsurePerson, m.opEnsure),
	} {
		if err != nil {
			return err
		}
	}
	return nil
}

var (
	errUnauthorized = events.Errorf(events.CodeUnauthorized, "sign in again")
	errForbidden    = events.Errorf(events.CodeForbidden, "you may not do that")
	errNotFound     = events.Errorf(events.CodeNotFound, "no such person")
	errBadLogin     = events.Errorf(events.CodeUnauthorized, "wrong e-mail address or password")
	errLinkInvalid  = events.Errorf(events.CodeGone, "this link has expired or was already used; ask HR for a new one")
)

// authenticate checks the caller's token, that its session is live and that the person is
// still active, and returns a copy of the person as they are now.
func (m *Main) authenticate(ctx context.Context, c rpc.Caller) (identity.Person, *authn.Claims, error) {
	claims, err := m.verify.Verify(ctx, c.Token)
	if err != nil {
		return identity.Person{}, nil, errUnauthorized
	}
	m.sl.RLock()
	_, known := m.sessions.Session(claims.Session)
	m.sl.RUnlock()
	if !known { // signed in on another replica a moment ago?
		m.sl.CatchUp(ctx, events.RecordFilter("identity", "session", claims.Session), 2*time.Second)
	}
	m.sl.RLock()
	s, ok := m.sessions.Session(claims.Session)
	live := ok && s.Live(m.cfg.Now()) && s.Person == claims.Subject
	m.sl.RUnlock()
	if !live {
		return identity.Person{}, nil, errUnauthorized
	}
	m.el.RLock()
	defer m.el.RUnlock()
	p, ok := m.state.Person(claims.Subject)
	if !ok || !p.Active {
		return identity.Person{}, nil, errUnauthorized
	}
	return *p, claims, nil
}

func (m *Main) opKeys(_ context.Context, _ rpc.Request[empty]) (events.KeysReply, error) {
	var r events.KeysReply
	for kid, k := range m.keys.public() {
		r.Keys = append(r.Keys, events.PublicKey{KID: kid, Ed25519: k})
	}
	return r, nil
}

// opKeysRotate makes a new signing key now (operators: `onramp keys rotate`); tokens signed
// with the previous keys stay valid until they expire.
func (m *Main) opKeysRotate(ctx context.Context, r rpc.Request[empty]) (events.KeysReply, error) {
	if !r.Caller.System {
		return events.KeysReply{}, errForbidden
	}
	if err := m.keys.rotate(ctx, m.cfg.Now()); err != nil {
		return events.KeysReply{}, err
	}
	kid, _ := m.keys.current()
	return events.KeysReply{Keys: []events.PublicKey{{KID: kid, Ed25519: m.keys.public()[kid]}}}, nil
}

func secret() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// errBusy answers a sign-in or password change while every hashing slot and the short
// queue before them are taken: fast and cheap, with a hint when to try again.
var errBusy = &events.Error{Code: events.CodeUnavailable, Message: "sign-in is busy right now; try again in a moment", RetryAfter: 1}

// hashQueueWait bounds how long a password check may wait for a hashing slot.
const hashQueueWait = 2 * time.Second

// hashing runs f (a password hash) in one of the gate's slots, or answers errBusy.
func (m *Main) hashing(ctx context.Context, trusted bool, f func()) error {
	ctx, cancel := context.WithTimeout(ctx, hashQueueWait)
	defer cancel()
	enter := m.gate.Enter
	if trusted {
		enter = m.gate.Wait
	}
	release, ok := enter(ctx)
	if !ok {
		return errBusy
	}
	defer release()
	f()
	return nil
}

func (m *Main) opLogin(ctx context.Context, r rpc.Request[events.LoginRequest]) (events.TokenReply, error) {
	now := m.cfg.Now()
	email := identity.NormalizeEmail(r.Body.Email)
	// Three limiters: the account from this address (locks after a few failures), the
	// address itself (a spray over many accounts), and the account from everywhere — a
	// ceiling that only slows, and that addresses the account signed in from recently
	// pass, so nobody can lock a user out from elsewhere.
	akey, ckey, gkey := "account:"+email+"|"+r.Body.Client, "client:"+r.Body.Client, "account:"+email
	known := m.known.Knows(email, r.Body.Client) || m.knownDevice(email, r.Body.Refresh)
	// Each attempt is recorded as a failure before the password is checked, so a burst
	// cannot pass the limiters all at once; a success clears it.
	if w := m.accounts.Begin(akey, now); w > 0 {
		return events.TokenReply{}, tooMany(w)
	}
	if w := m.clients.Begin(ckey, now); w > 0 {
		m.accounts.Forgive(akey)
		return events.TokenReply{}, tooMany(w)
	}
	if !known {
		if w := m.ceiling.Begin(gkey, now); w > 0 {
			m.accounts.Forgive(akey)
			m.clients.Forgive(ckey)
			return events.TokenReply{}, tooMany(w)
		}
	}
	m.el.RLock()
	var hash, id string
	active := false
	if p, ok := m.state.PersonByEmail(email); ok {
		hash, id, active = p.PasswordHash, p.ID, p.Active
	}
	m.el.RUnlock()
	var ok bool
	if err := m.hashing(ctx, false, func() { ok = identity.VerifyPasswordOrDummy(hash, r.Body.Password) }); err != nil {
		// Busy: the password was not checked, so the account is not held to it. The
		// address is: one that floods sign-in keeps its count.
		m.accounts.Forgive(akey)
		if !known {
			m.ceiling.Forgive(gkey)
		}
		return events.TokenReply{}, err
	}
	if !ok || !active {
		return events.TokenReply{}, errBadLogin
	}
	m.accounts.Succeed(akey)
	m.clients.Succeed(ckey)
	if !known { // a success that went through the ceiling lifts it; one that bypassed it does not
		m.ceiling.Succeed(gkey)
	}
	m.known.Remember(email, r.Body.Client)

	sid := events.NewID(now)
	var refresh string
	start := events.SessionStarted{Person: id, ExpiresAt: now.Add(identity.AccessTTL), Client: r.Body.Client}
	if r.Body.Browser {
		refresh = secret()
		start.RefreshHash = identity.Hash(refresh)
		start.ExpiresAt = identity.BrowserExpiry(now, now)
	}
	env, err := events.New(id, sid, start, now)
	if err != nil {
		return events.TokenReply{}, err
	}
	if err := m.commitSession(ctx, env, bus.Expect{Filter: events.RecordFilter("identity", "session", sid)}); err != nil {
		return events.TokenReply{}, err
	}
	reply, err := m.issueAt(sid, now) // the session's clock: an API token lives exactly AccessTTL
	if err != nil {
		return reply, err
	}
	if refresh != "" {
		reply.Refresh, reply.RefreshExpiresAt = refresh, start.ExpiresAt.UTC().Format(time.RFC3339)
	}
	return reply, nil
}

// knownDevice reports whether refresh is the secret (current or replaced) of a session the
// account with email signed in before: the browser is a known device.
func (m *Main) knownDevice(email, refresh string) bool {
	if refresh == "" {
		return false
	}
	m.sl.RLock()
	x, ok := m.sessions.ByRefresh(refresh)
	if !ok {
		x, _, ok = m.sessions.BySpentRefresh(refresh)
	}
	var person string
	if ok && x != nil {
		person = x.Person
	}
	m.sl.RUnlock()
	if person == "" {
		return false
	}
	m.el.RLock()
	defer m.el.RUnlock()
	p, found := m.state.Person(person)
	return found && p.Email == email
}

func tooMany(wait time.Duration) error {
	return &events.Error{Code: events.CodeTooMany, Message: "too many failed sign-ins; wait a moment and try again", RetryAfter: int(wait.Seconds()) + 1}
}

// issue signs an access token for a live session.
func (m *Main) issue(sid string) (events.TokenReply, error) { return m.issueAt(sid, m.cfg.Now()) }

// issueAt signs an access token for a live session as of now.
func (m *Main) issueAt(sid string, now time.Time) (events.TokenReply, error) {
	m.sl.RLock()
	s, ok := m.sessions.Session(sid)
	var person string
	exp := now.Add(identity.AccessTTL)
	if ok {
		person = s.Person
		if s.ExpiresAt.Before(exp) {
			exp = s.ExpiresAt
		}
	}
	m.sl.RUnlock()
	var p identity.Person
	m.el.RLock()
	if pp, found := m.state.Person(person); ok && found {
		p = *pp
	}
	m.el.RUnlock()
	if !ok || p.ID == "" {
		return events.TokenReply{}, errUnauthorized
	}
	kid, key := m.keys.current()
	tok, err := authn.Sign(authn.Claims{
		RegisteredClaims: jwt.RegisteredClaims{
			Issuer: authn.Issuer, Audience: jwt.ClaimStrings{authn.Audience}, Subject: p.ID, ID: events.NewID(now),
			IssuedAt: jwt.NewNumericDate(now), NotBefore: jwt.NewNumericDate(now), ExpiresAt: jwt.NewNumericDate(exp),
		},
		Session: sid, Name: p.Name, Roles: p.Roles, Team: p.Team,
	}, kid, key)
	if err != nil {
		return events.TokenReply{}, err
	}
	return events.TokenReply{Token: tok, ExpiresAt: exp.UTC().Format(time.RFC3339)}, nil
}

// refreshGrace is how long after a rotation the secret just replaced still renews the
// access token (without a new secret): a browser sends parallel requests with the same
// cookie. Outside it, or for an older secret, reuse ends the session.
const refreshGrace = 30 * time.Second

// opRefresh renews a browser session's access token and replaces its refresh secret; a
// replaced secret used again is taken as stolen and ends the session.
func (m *Main) opRefresh(ctx context.Context, r rpc.Request[events.RefreshRequest]) (events.TokenReply, error) {
	now := m.cfg.Now()
	sid := m.refreshSession(r.Body.Refresh)
	if sid == "" { // rotated on another replica a moment ago?
		m.sl.Fresh(ctx, 2*time.Second)
		sid = m.refreshSession(r.Body.Refresh)
	}
	if sid == "" {
		return events.TokenReply{}, errUnauthorized
	}
	defer m.sl.Lock(sid)()
	// Decide, append, and on losing a race decide again on fresh state. refresh is the new
	// secret, or "" for a request within the grace.
	var refresh string
	err := eventlog.Retry(func() error {
		m.sl.RLock()
		s, current := m.sessions.ByRefresh(r.Body.Refresh)
		old, last, spent := m.sessions.BySpentRefresh(r.Body.Refresh)
		var live bool
		var seq uint64
		var person string
		if x := cmp.Or(s, old); x != nil {
			live, seq, person = x.Live(now), x.Seq, x.Person
			if spent && !current {
				// The secret just replaced, within the grace: a parallel request.
				current, live = false, live && last && now.Sub(x.Rotated) < refreshGrace
			}
		}
		m.sl.RUnlock()
		if live {
			m.el.RLock()
			p, found := m.state.Person(person)
			live = found && p.Active
			m.el.RUnlock()
		}
		switch {
		case spent && !live && s == nil:
			if err := eventlog.Retry(func() error { return m.endSession(ctx, person, sid, "refresh secret reused") }); err != nil {
				m.log.Error("session not ended after refresh reuse", "session", sid, "err", err)
			}
			return errUnauthorized
		case !live:
			return errUnauthorized
		case !current:
			return nil // grace: a token, and the secret the other request got stays
		}
		refresh = secret()
		env, err := events.New(person, sid, events.SessionRefreshed{RefreshHash: identity.Hash(refresh)}, now)
		if err != nil {
			return err
		}
		return m.commitSession(ctx, env, bus.Expect{Filter: events.RecordFilter("identity", "session", sid), LastSeq: seq})
	})
	if err != nil {
		return events.TokenReply{}, err
	}
	if refresh == "" {
		return m.issue(sid)
	}
	reply, err := m.issue(sid)
	if err != nil {
		return reply, err
	}
	m.sl.RLock()
	if x, ok := m.sessions.Session(sid); ok {
		reply.RefreshExpiresAt = x.ExpiresAt.UTC().Format(time.RFC3339)
	}
	m.sl.RUnlock()
	reply.Refresh = refresh
	return reply, nil
}

// refreshSession is the id of the session whose current or replaced refresh secret this is.
func (m *Main) refreshSession(secret string) string {
	m.sl.RLock()
	defer m.sl.RUnlock()
	if s, ok := m.sessions.ByRefresh(secret); ok {
		return s.ID
	}
	if old, _, ok := m.sessions.BySpentRefresh(secret); ok {
		return old.ID
	}
	return ""
}

func (m *Main) opSession(ctx context.Context, r rpc.Request[empty]) (identityapi.Session, error) {
	p, _, err := m.authenticate(ctx, r.Caller)
	if err != nil {
		return identityapi.Session{}, err
	}
	return identityapi.Session{Person: p.View(), Opens: identity.Opens(&p)}, nil
}

// opLogout ends the caller's session, found by access token or, if that has expired, by
// the refresh secret. Ending an ended session changes nothing.
func (m *Main) opLogout(ctx context.Context, r rpc.Request[events.RefreshRequest]) (empty, error) {
	var sid, person string
	if _, claims, err := m.authenticate(ctx, r.Caller); err == nil {
		sid, person = claims.Session, claims.Subject
	} else {
		m.sl.RLock()
		if s, ok := m.sessions.ByRefresh(r.Body.Refresh); ok && s.Ended == "" {
			sid, person = s.ID, s.Person
		}
		m.sl.RUnlock()
	}
	if sid == "" {
		return empty{}, nil
	}
	defer m.sl.Lock(sid)()
	return empty{}, m.endSession(ctx, person, sid, "signed out")
}

// endSession ends session sid (the caller holds its lock); ending an ended session
// changes nothing.
func (m *Main) endSession(ctx context.Context, actor, sid, reason string) error {
	m.sl.RLock()
	s, ok := m.sessions.Session(sid)
	var ended bool
	var seq uint64
	if ok {
		ended, seq = s.Ended != "", s.Seq
	}
	m.sl.RUnlock()
	if !ok || ended {
		return nil
	}
	env, err := events.New(actor, sid, events.SessionEnded{Reason: reason}, m.cfg.Now())
	if err != nil {
		return err
	}
	return m.commitSession(ctx, env, bus.Expect{Filter: events.RecordFilter("identity", "session", sid), LastSeq: seq})
}

// endSessions ends every live session of person (after a password change, or when they are
// disabled).
func (m *Main) endSessions(ctx context.Context, actor, person, reason string) error {
	m.sl.RLock()
	ids := m.sessions.Live(person, m.cfg.Now())
	m.sl.RUnlock()
	for _, sid := range ids {
		err := func() error {
			defer m.sl.Lock(sid)()
			return eventlog.Retry(func() error { return m.endSession(ctx, actor, sid, reason) })
		}()
		if err != nil {
			return err
		}
	}
	return nil
}

func (m *Main) opPeopleList(ctx context.Context, r rpc.Request[events.PeopleRequest]) (identityapi.PeopleReply, error) {
	viewer, _, err := m.authenticate(ctx, r.Caller)
	if err != nil {
		return identityapi.PeopleReply{}, err
	}
	if !identity.CanList(&viewer) {
		return identityapi.PeopleReply{}, errForbidden
	}
	q := r.Body
	key := (*identity.Person).SortKey
	switch q.Sort {
	case "", "name":
		q.Sort = ""
	case "team":
		key = func(p *identity.Person) string { return p.Team + "\x00" + p.SortKey() }
	case "start_date":
		key = func(p *identity.Person) string { return p.StartDate + "\x00" + p.SortKey() }
	default:
		return identityapi.PeopleReply{}, &events.Error{Code: events.CodeInvalid, Message: "sort must be name, team or start_date",
			Fields: map[string]string{"sort": "must be name, team or start_date"}}
	}
	m.el.RLock()
	defer m.el.RUnlock()
	var page []*identity.Person
	var info events.PageInfo
	if identity.CanManage(&viewer) && q.Team == "" && q.Role == "" && !q.Active && q.Matches("") && q.Sort == "" {
		// Everyone, unfiltered: the page is found in the sorted index, not by a scan.
		ids, key := m.state.Everyone()
		var pageIDs []string
		if pageIDs, info, err = events.PageBy(q.Page, ids, key); err != nil {
			return identityapi.PeopleReply{}, err
		}
		for _, id := range pageIDs {
			p, _ := m.state.Person(id)
			page = append(page, p)
		}
	} else {
		keep := func(p *identity.Person) bool {
			return identity.CanSee(&viewer, p) && (q.Team == "" || p.Team == q.Team) && (q.Role == "" || p.Has(q.Role)) &&
				(!q.Active || p.Active) && q.Matches(p.Name, p.Email)
		}
		var people []*identity.Person
		switch {
		case q.Team != "": // one team: read the team only
			people = m.state.TeamPeople(q.Team, keep)
		case !identity.CanManage(&viewer): // a lead sees their team
			people = m.state.TeamPeople(viewer.Team, keep)
		case q.Role != "": // e.g. the leads HR's invite form offers: read the role only
			people = m.state.RolePeople(q.Role, keep)
		default:
			people = m.state.People(keep)
		}
		if q.Sort != "" { // People gives them by name
			slices.SortStableFunc(people, func(a, b *identity.Person) int { return strings.Compare(key(a), key(b)) })
		}
		if page, info, err = events.PageBy(q.Page, people, key); err != nil {
			return identityapi.PeopleReply{}, err
		}
	}
	out := identityapi.PeopleReply{Items: make([]identityapi.PersonRow, 0, len(page)), PageInfo: info, CanInvite: identity.CanManage(&viewer)}
	for _, p := range page {
		out.Items = append(out.Items, identityapi.PersonRow{Person: p.View(), CanManage: identity.CanManagePerson(&viewer, p)})
	}
	return out, nil
}

// opTeams lists the teams the caller may see: every team for HR and admin, their own for
// a lead.
func (m *Main) opTeams(ctx context.Context, r rpc.Request[empty]) (events.TeamsReply, error) {
	viewer, _, err := m.authenticate(ctx, r.Caller)
	if err != nil {
		return events.TeamsReply{}, err
	}
	if !identity.CanList(&viewer) {
		return events.TeamsReply{}, errForbidden
	}
	if !identity.CanManage(&viewer) {
		return events.TeamsReply{Items: []string{viewer.Team}}, nil
	}
	m.el.RLock()
	defer m.el.RUnlock()
	return events.TeamsReply{Items: m.state.Teams()}, nil
}

func (m *Main) opPeopleGet(ctx context.Context, r rpc.Request[events.PersonRequest]) (events.Person, error) {
	viewer, _, err := m.authenticate(ctx, r.Caller)
	if err != nil {
		return events.Person{}, err
	}
	m.el.RLock()
	p, ok := m.state.Person(r.Body.ID)
	var full, basic bool
	var view, base events.Person
	if ok {
		full, basic = identity.CanSee(&viewer, p), identity.CanSeeBasic(&viewer, p, false)
		view, base = p.View(), p.Basic()
	}
	m.el.RUnlock()
	switch {
	case !ok && identity.CanManage(&viewer):
		return events.Person{}, errNotFound
	case !ok:
		return events.Person{}, errForbidden // do not reveal who exists
	case full:
		return view, nil
	case basic:
		return base, nil
	}
	partners, err := m.partners(ctx, r.Caller)
	if err != nil {
		return events.Person{}, err
	}
	if slices.Contains(partners, p.ID) {
		return base, nil
	}
	return events.Person{}, errForbidden
}

// opPeopleVisible answers which of the people asked about the caller may open the profile
// of (people.get answers them): a page links only those names. When the mentorship service
// cannot say who the caller's partners are, they are left out and the names stay plain.
func (m *Main) opPeopleVisible(ctx context.Context, r rpc.Request[events.PeopleIDs]) (events.PeopleIDs, error) {
	viewer, _, err := m.authenticate(ctx, r.Caller)
	if err != nil {
		return events.PeopleIDs{}, err
	}
	if len(r.Body.IDs) > events.MaxVisibleIDs {
		return events.PeopleIDs{}, events.Errorf(events.CodeBadRequest, "at most %d people at once", events.MaxVisibleIDs)
	}
	out := events.PeopleIDs{IDs: make([]string, 0, len(r.Body.IDs))}
	var rest []string
	m.el.RLock()
	for _, id := range r.Body.IDs {
		p, ok := m.state.Person(id)
		switch {
		case !ok:
		case identity.CanSee(&viewer, p) || identity.CanSeeBasic(&viewer, p, false):
			out.IDs = append(out.IDs, id)
		default:
			rest = append(rest, id)
		}
	}
	m.el.RUnlock()
	if len(rest) == 0 {
		return out, nil
	}
	partners, err := m.partners(ctx, r.Caller)
	if err != nil {
		m.log.WarnContext(ctx, "people.visible without mentorship partners", "err", err)
		return out, nil
	}
	for _, id := range rest {
		if slices.Contains(partners, id) {
			out.IDs = append(out.IDs, id)
		}
	}
	return out, nil
}

// partners asks the mentorship service, for the caller, who they are in a mentorship
// with now. It is asked only when identity's own rules do not open a person, and with no
// lock held: mentorship checks the caller's token in turn.
func (m *Main) partners(ctx context.Context, c rpc.Caller) ([]string, error) {
	reply, err := rpc.Do(ctx, m.nc, mentorshipapi.OpPartners, c, events.None{})
	if err != nil {
		return nil, fmt.Errorf("identity: mentorship partners: %w", err)
	}
	return reply.IDs, nil
}

// hire appends the hired event and a first set-password link. The hired event expects the
// last hired sequence this replica applied, so an email can never be taken twice even by
// two replicas at once.
func (m *Main) hire(ctx context.Context, actor, id string, req events.InviteRequest) (events.InviteReply, error) {
	now := m.cfg.Now()
	unlock := m.el.Lock("invites")
	err := eventlog.Retry(func() error {
		m.el.RLock()
		e, err := m.state.DecideInvite(req, now)
		last := m.state.LastHired()
		m.el.RUnlock()
		if err != nil {
			return err
		}
		env, err := events.New(actor, id, e, now)
		if err != nil {
			return err
		}
		return m.commit(ctx, env, bus.Expect{Filter: events.TypeFilter(e.EventType()), LastSeq: last})
	})
	unlock() // lock stripes are not re-entrant: release before taking the person's
	if err != nil {
		return events.InviteReply{}, err
	}
	return m.newLink(ctx, actor, id, false)
}

func (m *Main) newLink(ctx context.Context, actor, id string, reissue bool) (events.InviteReply, error) {
	now := m.cfg.Now()
	defer m.el.Lock(id)()
	tok := secret()
	link := events.LinkIssued{TokenHash: identity.Hash(tok), ExpiresAt: now.Add(identity.LinkTTL).UTC()}
	var view events.Person
	err := eventlog.Retry(func() error {
		var seq uint64
		var err error
		if view, seq, err = m.viewOf(id); err != nil {
			return err
		}
		if !view.Active {
			return events.Errorf(events.CodeConflict, "%s is disabled", view.Name)
		}
		env, err := events.New(actor, id, link, now)
		if err != nil {
			return err
		}
		return m.commit(ctx, env, bus.Expect{Filter: events.RecordFilter("identity", "staff", id), LastSeq: seq})
	})
	if err != nil {
		return events.InviteReply{}, err
	}
	if m.cfg.LogLinks && actor != events.System {
		m.log.Info("set-password link (demo mode)", "person", view.Email, "url", m.cfg.BaseURL+"/set-password?token="+tok)
	}
	if actor != events.System { // seeding sets the password at once: nothing to e-mail
		m.requestLinkMail(ctx, actor, id, tok, link.ExpiresAt, reissue)
	}
	return events.InviteReply{Person: view, LinkToken: tok, ExpiresAt: link.ExpiresAt.Format(time.RFC3339)}, nil
}

func (m *Main) opInvite(ctx context.Context, r rpc.Request[events.InviteRequest]) (events.InviteReply, error) {
	viewer, _, err := m.authenticate(ctx, r.Caller)
	if err != nil {
		return events.InviteReply{}, err
	}
	if !identity.CanManage(&viewer) {
		return events.InviteReply{}, errForbidden
	}
	if slices.ContainsFunc(r.Body.Roles, func(role string) bool { return role != events.RoleHire }) && !viewer.Has(events.RoleAdmin) {
		return events.InviteReply{}, events.Errorf(events.CodeForbidden, "only an admin may grant roles other than hire")
	}
	return m.hire(ctx, viewer.ID, idempotency.RecordID(ctx, m.cfg.Now()), r.Body)
}

func (m *Main) opIssueLink(ctx context.Context, r rpc.Request[events.PersonRequest]) (events.InviteReply, error) {
	viewer, _, err := m.authenticate(ctx, r.Caller)
	if err != nil {
		return events.InviteReply{}, err
	}
	if !identity.CanManage(&viewer) {
		return events.InviteReply{}, errForbidden
	}
	if err := m.mayManage(&viewer, r.Body.ID); err != nil {
		return events.InviteReply{}, err
	}
	return m.newLink(ctx, viewer.ID, r.Body.ID, true)
}

func (m *Main) opDisable(ctx context.Context, r rpc.Request[events.DisableRequest]) (events.Person, error) {
	viewer, _, err := m.authenticate(ctx, r.Caller)
	if err != nil {
		return events.Person{}, err
	}
	if !identity.CanManage(&viewer) {
		return events.Person{}, errForbidden
	}
	if r.Body.ID == viewer.ID {
		return events.Person{}, &events.Error{Code: events.CodeInvalid, Message: "you cannot disable yourself", Fields: map[string]string{"id": "That is you."}}
	}
	if err := m.mayManage(&viewer, r.Body.ID); err != nil {
		return events.Person{}, err
	}
	reason := r.Body.Reason
	if reason == "" {
		reason = "disabled by " + viewer.Name
	}
	return m.setActive(ctx, viewer.ID, r.Body.ID, false, events.StaffDisabled{Reason: reason})
}

// viewOf answers person id as they are now, with their record's sequence (for the
// append's expectation), or errNotFound.
func (m *Main) viewOf(id string) (events.Person, uint64, error) {
	m.el.RLock()
	defer m.el.RUnlock()
	p, ok := m.state.Person(id)
	if !ok {
		return events.Person{}, 0, errNotFound
	}
	return p.View(), p.Seq, nil
}

// setActive appends e, which disables or enables person id, unless they already are as
// active asks; the caller has checked that actor may. It answers the person as they are
// after it.
func (m *Main) setActive(ctx context.Context, actor, id string, active bool, e events.Payload) (events.Person, error) {
	defer m.el.Lock(id)()
	var view events.Person
	err := eventlog.Retry(func() error {
		var seq uint64
		var err error
		if view, seq, err = m.viewOf(id); err != nil {
			return err
		}
		if view.Active == active {
			return nil // already so: nothing to do
		}
		env, err := events.New(actor, id, e, m.cfg.Now())
		if err != nil {
			return err
		}
		return m.commit(ctx, env, bus.Expect{Filter: events.RecordFilter("identity", "staff", id), LastSeq: seq})
	})
	if err == nil && !active { // also when already disabled: a repeat finishes what a crash cut short
		err = m.endSessions(ctx, actor, id, "account disabled")
	}
	view.Active = active
	return view, err
}

// mayManage says whether viewer (who may manage people) may act on the account of person
// id: errNotFound for nobody, errForbidden for an HR or admin account when viewer is not an
// admin. Roles never change after the invite, so the check holds for the command after it.
func (m *Main) mayManage(viewer *identity.Person, id string) error {
	m.el.RLock()
	defer m.el.RUnlock()
	p, ok := m.state.Person(id)
	if !ok {
		return errNotFound
	}
	if !identity.CanManagePerson(viewer, p) {
		return events.Errorf(events.CodeForbidden, "only an admin may manage the account of someone with the hr or admin role")
	}
	return nil
}

// opEnable lets a disabled person sign in again (HR and admin); an active person is left
// as they are.
func (m *Main) opEnable(ctx context.Context, r rpc.Request[events.DisableRequest]) (events.Person, error) {
	viewer, _, err := m.authenticate(ctx, r.Caller)
	if err != nil {
		return events.Person{}, err
	}
	if !identity.CanManage(&viewer) {
		return events.Person{}, errForbidden
	}
	if err := m.mayManage(&viewer, r.Body.ID); err != nil {
		return events.Person{}, err
	}
	return m.setActive(ctx, viewer.ID, r.Body.ID, true, events.StaffEnabled{Reason: r.Body.Reason})
}

// linkOwner finds the active person whose unexpired link this is.
func (m *Main) linkOwner(token string) (identity.Person, bool) {
	m.el.RLock()
	defer m.el.RUnlock()
	p, ok := m.state.PersonByLink(token)
	if !ok || !p.Active || p.Link == nil || !m.cfg.Now().Before(p.Link.ExpiresAt) {
		return identity.Person{}, false
	}
	return *p, true
}

func (m *Main) opLinkCheck(_ context.Context, r rpc.Request[events.LinkRequest]) (events.Person, error) {
	p, ok := m.linkOwner(r.Body.Token)
	if !ok {
		return events.Person{}, errLinkInvalid
	}
	return events.Person{ID: p.ID, Name: p.Name, Email: p.Email}, nil
}

func (m *Main) opSetPassword(ctx context.Context, r rpc.Request[events.SetPasswordRequest]) (empty, error) {
	if problem := identity.CheckPassword(r.Body.Password); problem != "" {
		return empty{}, &events.Error{Code: events.CodeInvalid, Message: "Choose another password.", Fields: map[string]string{"password": "The password " + problem + "."}}
	}
	p, ok := m.linkOwner(r.Body.Token)
	if !ok {
		return empty{}, errLinkInvalid
	}
	var hash string // slow: outside every lock, in a hashing slot
	if err := m.hashing(ctx, r.Caller.System, func() { hash = identity.HashPassword(r.Body.Password) }); err != nil {
		return empty{}, err
	}
	err := func() error {
		defer m.el.Lock(p.ID)()
		return eventlog.Retry(func() error {
			cur, ok := m.linkOwner(r.Body.Token) // still unused, now under the record lock
			if !ok || cur.ID != p.ID {
				return errLinkInvalid
			}
			env, err := events.New(p.ID, p.ID, events.PasswordSet{Hash: hash, TokenHash: identity.Hash(r.Body.Token)}, m.cfg.Now())
			if err != nil {
				return err
			}
			return m.commit(ctx, env, bus.Expect{Filter: events.RecordFilter("identity", "staff", p.ID), LastSeq: cur.Seq})
		})
	}()
	if err != nil {
		return empty{}, err
	}
	// A new password ends every session signed in with the old one.
	return empty{}, m.endSessions(ctx, p.ID, p.ID, "password changed")
}

// opEnsure creates a person with a password unless their email exists (idempotent seeding).
// Only trusted tools on the bus may call it.
func (m *Main) opEnsure(ctx context.Context, r rpc.Request[events.EnsureRequest]) (events.Person, error) {
	if !r.Caller.System {
		return events.Person{}, errForbidden
	}
	m.el.RLock()
	existing, ok := m.state.PersonByEmail(identity.NormalizeEmail(r.Body.Email))
	var view events.Person
	if ok {
		view = existing.View()
	}
	m.el.RUnlock()
	if ok {
		return view, nil
	}
	if problem := identity.CheckPassword(r.Body.Password); problem != "" {
		return events.Person{}, &events.Error{Code: events.CodeInvalid, Message: "password " + problem, Fields: map[string]string{"password": problem}}
	}
	id := r.Body.ID
	if id == "" {
		id = idempotency.RecordID(ctx, m.cfg.Now())
	}
	invite, err := m.hire(ctx, events.System, id, r.Body.InviteRequest)
	var e *events.Error
	if errors.As(err, &e) && e.Code == events.CodeConflict {
		m.el.RLock() // raced with another seeder: answer what exists
		defer m.el.RUnlock()
		if p, ok := m.state.PersonByEmail(identity.NormalizeEmail(r.Body.Email)); ok {
			return p.View(), nil
		}
	}
	if err != nil {
		return events.Person{}, err
	}
	if _, err := m.opSetPassword(ctx, rpc.Request[events.SetPasswordRequest]{Caller: r.Caller, Body: events.SetPasswordRequest{Token: invite.LinkToken, Password: r.Body.Password}}); err != nil {
		return events.Person{}, err
	}
	invite.Person.NeedsPassword = false
	return invite.Person, nil
}

// requestLinkMail asks the notify service to e-mail a set-password link to the person. The
// secret travels only on the NOTIFY stream (notify.link.requested), which only the notify
// service reads; identity's own events keep carrying its hash alone. A failure is logged,
// not returned: the link was issued and HR still sees it.
func (m *Main) requestLinkMail(ctx context.Context, actor, person, tok string, expires time.Time, reissue bool) {
	env, err := events.New(actor, person, events.LinkMailRequested{Token: tok, ExpiresAt: expires, Reissue: reissue}, m.cfg.Now())
	if err == nil {
		_, err = bus.Append(ctx, m.js, env, bus.Expect{})
	}
	if err != nil {
		m.log.Warn("set-password link not handed to notify; HR must pass it on", "person", person, "err", err)
	}
}
