package demo

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/nats-io/nats.go"

	"onramp.dev/events"
	"onramp.dev/infra/rpc"
)

// seedSkills gives team platform a skill matrix with gaps: the lead verified the hire's
// networking at 2 and their own system administration at 5 was verified by HR; the hire
// claims troubleshooting 3 (self-assessed, not verified); the lead holds a cloud
// certification that expires in 30 days. Idempotent (the service skips entries it has).
// Without a running skills service (e.g. only identity started as its own process) it
// seeds nothing.
func seedSkills(ctx context.Context, nc *nats.Conn, today time.Time) error {
	lvl := func(skill string, level int, note string) *events.SkillLevelRequest {
		return &events.SkillLevelRequest{Skill: skill, Level: level, Note: note}
	}
	seeds := []events.SkillSeedRequest{
		{Person: "demo-hire", Actor: "demo-lead", Kind: "verify", Level: lvl("networking", 2, "set up VLANs for the test lab")},
		{Person: "demo-hire", Actor: "demo-hire", Kind: "assess", Level: lvl("troubleshooting", 3, "ran the incident drill")},
		{Person: "demo-lead", Actor: "demo-lead", Kind: "assess", Level: lvl("system-administration", 5, "")},
		{Person: "demo-lead", Actor: "demo-hr", Kind: "verify", Level: lvl("system-administration", 5, "annual review")},
		{Person: "demo-lead", Actor: "demo-hr", Kind: "verify", Level: lvl("networking", 5, "annual review")},
		{Person: "demo-lead", Actor: "demo-lead", Kind: "certify", Certify: &events.SkillCertifyRequest{
			Name: "Cloud Solutions Associate", Issuer: "Cloud Academy", Issued: today.AddDate(-3, 0, 30).Format(events.DateLayout),
			Expires: today.AddDate(0, 0, 30).Format(events.DateLayout), Skill: "cloud-computing", Level: 4}},
	}
	for _, s := range seeds {
		_, err := rpc.Call[struct{}](ctx, nc, events.RPC(events.SkillsService, events.OpSkillsSeed), rpc.Caller{System: true}, s)
		if errors.Is(err, rpc.ErrUnavailable) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("demo: skills %s %s: %w", s.Person, s.Kind, err)
		}
	}
	return nil
}
