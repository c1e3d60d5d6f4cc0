package main

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"fmt"
	"log/slog"
	"slices"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"onramp.dev/events"
	"onramp.dev/infra/authn"
	"onramp.dev/infra/rpc"
	"onramp.dev/infra/store"
	"onramp.dev/services/mentorship"
	mentorshipserver "onramp.dev/services/mentorship/server"
	skillsserver "onramp.dev/services/skills/server"
)

// benchMentorSuggestions: suggestions for one hire among 2,000 mentor profiles — the
// mentorship service's suggestions request over NATS (ranking every profile by the hire's
// gaps, the mentor's verified levels, spare capacity and track) — beside a raw store read
// of the same 2,000 profile documents in the same run. The service runs with the skills
// service (which owns standing and gaps) on its own embedded stack; people, skills and
// profiles arrive as events, as in production.
func benchMentorSuggestions(ctx context.Context) (Pair, error) {
	const mentors, requests = 2000, 200
	s, err := startSolo(ctx)
	if err != nil {
		return Pair{}, err
	}
	defer s.close()
	tracks := []string{"infrastructure", "security", "operations", "development", "support"}
	skills := []string{"networking", "system-administration", "cloud-computing", "storage-backup", "troubleshooting", "scripting-automation", "communication", "teamwork"}
	now := time.Now()
	var envs []events.Envelope
	add := func(actor, subject string, p events.Payload) error {
		env, err := events.New(actor, subject, p, now)
		if err != nil {
			return err
		}
		envs = append(envs, env)
		return nil
	}
	if err := add("bench-hr", "bench-hire", events.StaffHired{Email: "hire@bench.onramp", Name: "Bench Hire", Roles: []string{events.RoleHire},
		Team: "platform", Track: "infrastructure", StartDate: now.Format(events.DateLayout)}); err != nil {
		return Pair{}, err
	}
	for i := range mentors {
		id := fmt.Sprintf("mentor-%05d", i)
		if err := add("bench-hr", id, events.StaffHired{Email: id + "@bench.onramp", Name: fmt.Sprintf("Mentor %05d", i), Roles: []string{events.RoleMentor},
			Team: fmt.Sprintf("team-%d", i%40), Track: tracks[i%len(tracks)], StartDate: now.AddDate(-3, 0, 0).Format(events.DateLayout)}); err != nil {
			return Pair{}, err
		}
		var offer []string
		for k := range 3 {
			sk := skills[(i+k*3)%len(skills)]
			offer = append(offer, sk)
			if err := add("bench-hr", id, events.SkillVerified{Skill: sk, Level: 2 + (i+k)%4}); err != nil {
				return Pair{}, err
			}
		}
		slices.Sort(offer)
		if err := add(id, id, events.MentorProfileUpdated{State: events.ProfileActive, Skills: offer, Capacity: 1 + i%4}); err != nil {
			return Pair{}, err
		}
	}
	if err := s.publishAll(envs); err != nil {
		return Pair{}, err
	}
	pub, key, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return Pair{}, err
	}
	keys := func(context.Context) (map[string]ed25519.PublicKey, error) {
		return map[string]ed25519.PublicKey{"k1": pub}, nil
	}
	// The skills service states every mentor's standing (restating the records above at
	// start) and answers the hire's gaps.
	sk, err := skillsserver.New(s.nc, s.mc.Database("skills"), slog.New(slog.DiscardHandler), skillsserver.Config{Keys: keys})
	if err != nil {
		return Pair{}, err
	}
	if err := sk.Run(ctx); err != nil {
		return Pair{}, err
	}
	defer sk.Close()
	m, err := mentorshipserver.New(s.nc, s.mc.Database("mentorship"), slog.New(slog.DiscardHandler), mentorshipserver.Config{Keys: keys})
	if err != nil {
		return Pair{}, err
	}
	if err := m.Run(ctx); err != nil {
		return Pair{}, err
	}
	defer m.Close()
	if err := s.settled(ctx, "MENTORSHIP", 2*time.Minute); err != nil {
		return Pair{}, err
	}
	tok, err := authn.Sign(authn.Claims{
		RegisteredClaims: jwt.RegisteredClaims{Issuer: authn.Issuer, Audience: jwt.ClaimStrings{authn.Audience}, Subject: "bench-hr",
			IssuedAt: jwt.NewNumericDate(now), ExpiresAt: jwt.NewNumericDate(now.Add(time.Hour))},
		Session: "bench", Roles: []string{events.RoleHR}, Team: "people",
	}, "k1", key)
	if err != nil {
		return Pair{}, err
	}
	subject := events.RPC(events.MentorshipService, events.OpSuggestions)
	ask := func() (events.SuggestionsReply, error) {
		return rpc.Call[events.SuggestionsReply](ctx, s.nc, subject, rpc.Caller{Token: tok}, events.SuggestionsRequest{Hire: "bench-hire"})
	}
	first, err := ask()
	if err != nil {
		return Pair{}, err
	}
	if first.Total != mentors || len(first.Items) == 0 {
		return Pair{}, fmt.Errorf("suggestions ranked %d mentors (%d shown), want %d", first.Total, len(first.Items), mentors)
	}
	lat := make([]time.Duration, 0, requests)
	began := time.Now()
	for range requests {
		t0 := time.Now()
		if _, err := ask(); err != nil {
			return Pair{}, err
		}
		lat = append(lat, time.Since(t0))
	}
	total := time.Since(began)
	// The same documents read raw from the store, same run.
	col := store.NewCollection[mentorship.Profile](s.mc.Database("mentorship"), "profiles")
	const reads = 5
	var raw []time.Duration
	for range reads {
		t0 := time.Now()
		n := 0
		if err := col.All(ctx, func(mentorship.Profile) error { n++; return nil }); err != nil {
			return Pair{}, err
		}
		if n != mentors {
			return Pair{}, fmt.Errorf("store holds %d profiles, want %d", n, mentors)
		}
		raw = append(raw, time.Since(t0))
	}
	p50, rawP50 := percentile(lat, 0.5), percentile(raw, 0.5)
	return Pair{
		Onramp: Result{Name: "mentor suggestions, 1 hire among 2,000 profiles", Rate: float64(requests) / total.Seconds(), P99: percentile(lat, 0.99), Unit: "request",
			Detail: fmt.Sprintf("p50 %.2f ms per request (target < 50 ms)", float64(p50.Microseconds())/1000)},
		Raw: Result{Name: fmt.Sprintf("raw store read of the same %d profiles", mentors), Rate: 1 / rawP50.Seconds(), P99: percentile(raw, 0.99), Unit: "read",
			Detail: fmt.Sprintf("p50 %.1f ms", float64(rawP50.Microseconds())/1000)},
	}, nil
}
