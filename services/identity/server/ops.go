package server

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"onramp.dev/events"
	"onramp.dev/infra/authn"
	"onramp.dev/infra/bus"
	"onramp.dev/infra/eventlog"
	"onramp.dev/infra/rpc"
	"onramp.dev/services/identity"
)

type empty struct{}

func (m *Main) register() error {
	svc, err := rpc.NewService(m.nc, events.IdentityService, "1.0.0", m.log)
	if err != nil {
		return err
	}
	m.svc = svc
	for _, err := range []error{
		rpc.Handle(svc, events.OpKeys, m.opKeys),
		rpc.Handle(svc, events.OpLogin, m.opLogin),
		rpc.Handle(svc, events.OpRefresh, m.opRefresh),
		rpc.Handle(svc, events.OpSession, m.opSession),
		rpc.Handle(svc, events.OpLogout, m.opLogout),
		rpc.Handle(svc, events.OpPeopleList, m.opPeopleList),
		rpc.Handle(svc, events.OpPeopleGet, m.opPeopleGet),
		rpc.Handle(svc, events.OpTeams, m.opTeams),
		rpc.Handle(svc, events.OpInvite, m.opInvite),
		rpc.Handle(svc, events.OpIssueLink, m.opIssueLink),
		rpc.Handle(svc, events.OpDisable, m.opDisable),
		rpc.Handle(svc, events.OpEnable, m.opEnable),
		rpc.Handle(svc, events.OpLinkCheck, m.opLinkCheck),
		rpc.Handle(svc, events.OpSetPassword, m.opSetPassword),
		rpc.Handle(svc, events.OpEnsurePerson, m.opEnsure),
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
	m.el.RLock()
	defer m.el.RUnlock()
	s, ok := m.state.Session(claims.Session)
	if !ok || !s.Live(m.cfg.Now()) || s.Person != claims.Subject {
		return identity.Person{}, nil, errUnauthorized
	}
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

func secret() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

func (m *Main) opLogin(ctx context.Context, r rpc.Request[events.LoginRequest]) (events.TokenReply, error) {
	now := m.cfg.Now()
	email := identity.NormalizeEmail(r.Body.Email)
	akey, ckey := "account:"+email, "client:"+r.Body.Client
	if w := max(m.accounts.Wait(akey, now), m.clients.Wait(ckey, now)); w > 0 {
		return events.TokenReply{}, &events.Error{Code: events.CodeTooMany, Message: "too many failed sign-ins; wait a moment and try again", RetryAfter: int(w.Seconds()) + 1}
	}
	m.el.RLock()
	var hash, id string
	active := false
	if p, ok := m.state.PersonByEmail(email); ok {
		hash, id, active = p.PasswordHash, p.ID, p.Active
	}
	m.el.RUnlock()
	ok := identity.VerifyPasswordOrDummy(hash, r.Body.Password)
	if !ok || !active {
		m.accounts.Fail(akey, now)
		m.clients.Fail(ckey, now)
		return events.TokenReply{}, errBadLogin
	}
	m.accounts.Succeed(akey)
	m.clients.Succeed(ckey)

	sid := events.NewID(now)
	var refresh string
	start := events.SessionStarted{Person: id, ExpiresAt: now.Add(identity.AccessTTL), Client: r.Body.Client}
	if r.Body.Browser {
		refresh = secret()
		start.RefreshHash = identity.Hash(refresh)
		start.ExpiresAt = now.Add(identity.SessionTTL)
	}
	env, err := events.New(id, sid, start, now)
	if err != nil {
		return events.TokenReply{}, err
	}
	if err := m.commit(ctx, env, bus.Expect{Filter: events.RecordFilter("identity", "session", sid)}); err != nil {
		return events.TokenReply{}, err
	}
	reply, err := m.issue(sid)
	if err != nil {
		return reply, err
	}
	if refresh != "" {
		reply.Refresh, reply.RefreshExpiresAt = refresh, start.ExpiresAt.UTC().Format(time.RFC3339)
	}
	return reply, nil
}

// issue signs an access token for a live session.
func (m *Main) issue(sid string) (events.TokenReply, error) {
	now := m.cfg.Now()
	m.el.RLock()
	s, ok := m.state.Session(sid)
	var p identity.Person
	if ok {
		if pp, found := m.state.Person(s.Person); found {
			p = *pp
		}
	}
	exp := now.Add(identity.AccessTTL)
	if ok && s.ExpiresAt.Before(exp) {
		exp = s.ExpiresAt
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

func (m *Main) opRefresh(_ context.Context, r rpc.Request[events.RefreshRequest]) (events.TokenReply, error) {
	now := m.cfg.Now()
	m.el.RLock()
	s, ok := m.state.SessionByRefresh(r.Body.Refresh)
	live := ok && s.Live(now)
	var sid string
	if live {
		sid = s.ID
		p, found := m.state.Person(s.Person)
		live = found && p.Active
	}
	m.el.RUnlock()
	if !live {
		return events.TokenReply{}, errUnauthorized
	}
	return m.issue(sid)
}

func (m *Main) opSession(ctx context.Context, r rpc.Request[empty]) (events.Person, error) {
	p, _, err := m.authenticate(ctx, r.Caller)
	if err != nil {
		return events.Person{}, err
	}
	return p.View(), nil
}

// opLogout ends the caller's session, found by access token or, if that has expired, by
// the refresh secret. Ending an ended session changes nothing.
func (m *Main) opLogout(ctx context.Context, r rpc.Request[events.RefreshRequest]) (empty, error) {
	var sid, person string
	if _, claims, err := m.authenticate(ctx, r.Caller); err == nil {
		sid, person = claims.Session, claims.Subject
	} else {
		m.el.RLock()
		if s, ok := m.state.SessionByRefresh(r.Body.Refresh); ok && s.Ended == "" {
			sid, person = s.ID, s.Person
		}
		m.el.RUnlock()
	}
	if sid == "" {
		return empty{}, nil
	}
	defer m.el.Lock(sid)()
	m.el.RLock()
	s, _ := m.state.Session(sid)
	ended, seq := s.Ended != "", s.Seq
	m.el.RUnlock()
	if ended {
		return empty{}, nil
	}
	env, err := events.New(person, sid, events.SessionEnded{Reason: "signed out"}, m.cfg.Now())
	if err != nil {
		return empty{}, err
	}
	return empty{}, m.commit(ctx, env, bus.Expect{Filter: events.RecordFilter("identity", "session", sid), LastSeq: seq})
}

func (m *Main) opPeopleList(ctx context.Context, r rpc.Request[empty]) (events.PeopleReply, error) {
	viewer, _, err := m.authenticate(ctx, r.Caller)
	if err != nil {
		return events.PeopleReply{}, err
	}
	if !identity.CanList(&viewer) {
		return events.PeopleReply{}, errForbidden
	}
	m.el.RLock()
	defer m.el.RUnlock()
	out := events.PeopleReply{Items: []events.Person{}}
	for _, p := range m.state.People(func(p *identity.Person) bool { return identity.CanSee(&viewer, p) }) {
		out.Items = append(out.Items, p.View())
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
	defer m.el.RUnlock()
	p, ok := m.state.Person(r.Body.ID)
	if !ok {
		if identity.CanManage(&viewer) {
			return events.Person{}, errNotFound
		}
		return events.Person{}, errForbidden // do not reveal who exists
	}
	if !identity.CanSee(&viewer, p) {
		return events.Person{}, errForbidden
	}
	return p.View(), nil
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
	return m.newLink(ctx, actor, id)
}

func (m *Main) newLink(ctx context.Context, actor, id string) (events.InviteReply, error) {
	now := m.cfg.Now()
	defer m.el.Lock(id)()
	tok := secret()
	link := events.LinkIssued{TokenHash: identity.Hash(tok), ExpiresAt: now.Add(identity.LinkTTL).UTC()}
	var view events.Person
	err := eventlog.Retry(func() error {
		m.el.RLock()
		p, ok := m.state.Person(id)
		var seq uint64
		if ok {
			seq, view = p.Seq, p.View()
		}
		m.el.RUnlock()
		if !ok {
			return errNotFound
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
	if len(r.Body.Roles) > 0 && !viewer.Has(events.RoleAdmin) {
		return events.InviteReply{}, events.Errorf(events.CodeForbidden, "only an admin may grant roles other than hire")
	}
	return m.hire(ctx, viewer.ID, events.NewID(m.cfg.Now()), r.Body)
}

func (m *Main) opIssueLink(ctx context.Context, r rpc.Request[events.PersonRequest]) (events.InviteReply, error) {
	viewer, _, err := m.authenticate(ctx, r.Caller)
	if err != nil {
		return events.InviteReply{}, err
	}
	if !identity.CanManage(&viewer) {
		return events.InviteReply{}, errForbidden
	}
	return m.newLink(ctx, viewer.ID, r.Body.ID)
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
	reason := r.Body.Reason
	if reason == "" {
		reason = "disabled by " + viewer.Name
	}
	defer m.el.Lock(r.Body.ID)()
	var view events.Person
	err = eventlog.Retry(func() error {
		m.el.RLock()
		p, ok := m.state.Person(r.Body.ID)
		var seq uint64
		if ok {
			seq, view = p.Seq, p.View()
		}
		m.el.RUnlock()
		if !ok {
			return errNotFound
		}
		if !view.Active {
			return nil // already disabled: nothing to do
		}
		env, err := events.New(viewer.ID, r.Body.ID, events.StaffDisabled{Reason: reason}, m.cfg.Now())
		if err != nil {
			return err
		}
		return m.commit(ctx, env, bus.Expect{Filter: events.RecordFilter("identity", "staff", r.Body.ID), LastSeq: seq})
	})
	view.Active = false
	return view, err
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
	defer m.el.Lock(r.Body.ID)()
	var view events.Person
	err = eventlog.Retry(func() error {
		m.el.RLock()
		p, ok := m.state.Person(r.Body.ID)
		var seq uint64
		if ok {
			seq, view = p.Seq, p.View()
		}
		m.el.RUnlock()
		if !ok {
			return errNotFound
		}
		if view.Active {
			return nil // already enabled: nothing to do
		}
		env, err := events.New(viewer.ID, r.Body.ID, events.StaffEnabled{Reason: r.Body.Reason}, m.cfg.Now())
		if err != nil {
			return err
		}
		return m.commit(ctx, env, bus.Expect{Filter: events.RecordFilter("identity", "staff", r.Body.ID), LastSeq: seq})
	})
	view.Active = true
	return view, err
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
	hash := identity.HashPassword(r.Body.Password) // slow: outside every lock
	defer m.el.Lock(p.ID)()
	return empty{}, eventlog.Retry(func() error {
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
		id = events.NewID(m.cfg.Now())
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
	if _, err := m.opSetPassword(ctx, rpc.Request[events.SetPasswordRequest]{Body: events.SetPasswordRequest{Token: invite.LinkToken, Password: r.Body.Password}}); err != nil {
		return events.Person{}, err
	}
	invite.Person.NeedsPassword = false
	return invite.Person, nil
}
