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

// seedMentorship makes the demo mentor a mentor and pairs them with the demo hire: HR
// verifies the mentor's levels in three skills of the hire's gaps (through the skills
// service's seeding op: only verified or evidenced skills may be mentored), the mentor
// opts in for those skills with room for three mentees, the lead proposes them for the
// hire and the mentor accepts (so the onboarding service moves the hire's mentor tasks to
// them), and one check-in from the first week is logged. Idempotent. Without a running
// mentorship or skills service it seeds nothing.
func seedMentorship(ctx context.Context, nc *nats.Conn, today time.Time) error {
	for _, s := range []struct {
		skill string
		level int
	}{{"storage-backup", 4}, {"cloud-computing", 4}, {"communication", 4}} {
		_, err := rpc.Call[struct{}](ctx, nc, events.RPC(events.SkillsService, events.OpSkillsSeed), rpc.Caller{System: true}, events.SkillSeedRequest{
			Person: "demo-mentor", Actor: "demo-hr", Kind: "verify",
			Level: &events.SkillLevelRequest{Skill: s.skill, Level: s.level, Note: "mentor review"},
		})
		if errors.Is(err, rpc.ErrUnavailable) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("demo: mentor skill %s: %w", s.skill, err)
		}
	}
	_, err := rpc.Call[events.MentorshipView](ctx, nc, events.RPC(events.MentorshipService, events.OpMentorshipSeed), rpc.Caller{System: true}, events.MentorshipSeedRequest{
		Mentor: "demo-mentor", Skills: []string{"storage-backup", "cloud-computing", "communication"}, Capacity: 3,
		Notes: "Based in the Leeds office (UTC); English and Spanish.", Hire: "demo-hire", Proposer: "demo-lead",
		Checkin: &events.CheckinRequest{
			// The day the demo is set up, the day the mentorship is proposed and accepted:
			// never before the mentorship existed.
			Date:      today.Format(events.DateLayout),
			Notes:     "First coffee: walked through the server estate and how changes are approved.",
			NextSteps: "Shadow a change window on Thursday; read the backup runbook.",
			Skills:    []string{"storage-backup"},
		},
	})
	if errors.Is(err, rpc.ErrUnavailable) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("demo: mentorship: %w", err)
	}
	return nil
}
