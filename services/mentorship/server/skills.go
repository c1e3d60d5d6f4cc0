package server

import (
	"context"
	"fmt"

	"onramp.dev/events"
	"onramp.dev/events/skillsapi"
	"onramp.dev/infra/rpc"
)

// gaps asks the skills service, which owns the level rules and the role profiles, for a
// hire's gaps against their role profile, each with the training that closes it.
func (m *Main) gaps(ctx context.Context, hire string) ([]events.SkillGap, error) {
	rec, err := rpc.Do(ctx, m.nc, skillsapi.OpRecordGet,
		rpc.Caller{System: true}, events.SkillRecordRequest{Person: hire})
	if err != nil {
		return nil, fmt.Errorf("mentorship: skill gaps of %s: %w", hire, err)
	}
	if rec.Gaps == nil {
		rec.Gaps = []events.SkillGap{}
	}
	return rec.Gaps, nil
}

// addGaps fills in the hire's gaps of each view, asking the skills service once per hire.
// Views stay without gaps (and a warning is logged) while the skills service does not
// answer: the mentorship itself is still worth showing.
func (m *Main) addGaps(ctx context.Context, views []*events.MentorshipView) {
	byHire := map[string][]events.SkillGap{}
	for _, v := range views {
		g, ok := byHire[v.Hire]
		if !ok {
			var err error
			if g, err = m.gaps(ctx, v.Hire); err != nil {
				m.log.Warn("mentorship shown without skill gaps", "hire", v.Hire, "err", err)
				g = []events.SkillGap{}
			}
			byHire[v.Hire] = g
		}
		v.Gaps = g
	}
}
