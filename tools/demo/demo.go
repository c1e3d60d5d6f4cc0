// Package demo seeds a small demo organisation, idempotently: one person per role, in a
// few teams, each with a known password. Later domain issues add their demo data here.
package demo

import (
	"context"
	"fmt"
	"time"

	"github.com/nats-io/nats.go"

	"onramp.dev/events"
	"onramp.dev/infra/rpc"
)

// Login is one demo account.
type Login struct {
	Email string
	Role  string
	Name  string
}

type person struct {
	id, email, name, role, team, track string
	lead                               string
	startOffset                        int // days from today
}

// The start dates fit the roles: everyone but the new hire has been here for years, so
// their role profile is senior (skills: two years or more) or, for the lead, lead.
var people = []person{
	{"demo-admin", "admin@demo.onramp", "Ada Admin", events.RoleAdmin, "it-management", "project", "", -2600},
	{"demo-hr", "hr@demo.onramp", "Hana Hughes", events.RoleHR, "people", "project", "", -1500},
	{"demo-lead", "lead@demo.onramp", "Liam Lead", events.RoleLead, "platform", "infrastructure", "", -2200},
	{"demo-it", "it@demo.onramp", "Ivy Tech", events.RoleIT, "it-operations", "operations", "", -1100},
	{"demo-mentor", "mentor@demo.onramp", "Maya Mentor", events.RoleMentor, "security", "security", "", -1900},
	{"demo-hire", "hire@demo.onramp", "Harper Hire", events.RoleHire, "platform", "infrastructure", "demo-lead", -10},
}

// Seed creates the demo people unless they exist and returns their logins. It talks to
// the identity service as the system caller, so it runs wherever the bus is reachable.
func Seed(ctx context.Context, nc *nats.Conn, password string, today time.Time) ([]Login, error) {
	var out []Login
	for _, p := range people {
		_, err := rpc.Call[events.Person](ctx, nc, events.RPC(events.IdentityService, events.OpEnsurePerson), rpc.Caller{System: true}, events.EnsureRequest{
			ID: p.id, Password: password,
			InviteRequest: events.InviteRequest{
				Email: p.email, Name: p.name, Roles: []string{p.role}, Team: p.team, Track: p.track, Lead: p.lead,
				StartDate: today.AddDate(0, 0, p.startOffset).Format(events.DateLayout),
			},
		})
		if err != nil {
			return nil, fmt.Errorf("demo: %s: %w", p.email, err)
		}
		out = append(out, Login{Email: p.email, Role: p.role, Name: p.name})
	}
	if err := seedOnboarding(ctx, nc, today); err != nil {
		return nil, err
	}
	if err := seedSkills(ctx, nc, today); err != nil {
		return nil, err
	}
	if err := seedTraining(ctx, nc, today); err != nil {
		return nil, err
	}
	if err := seedMentorship(ctx, nc, today); err != nil {
		return nil, err
	}
	return out, nil
}
