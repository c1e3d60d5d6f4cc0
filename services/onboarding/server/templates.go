package server

import (
	"context"
	"time"

	"onramp.dev/content"
	tpl "onramp.dev/content/onboarding"
	"onramp.dev/events"
	"onramp.dev/infra/rpc"
	"onramp.dev/services/onboarding"
)

// opTemplatesInfo answers what plans are made of (sections, owners, tracks), so that
// no other service reads the onboarding content itself. It holds nothing personal and
// answers any caller.
func (m *Main) opTemplatesInfo(_ context.Context, r rpc.Request[events.TemplatesInfoRequest]) (events.TemplatesInfo, error) {
	out := events.TemplatesInfo{Sections: []events.NamedItem{}, Owners: []events.NamedItem{}, Tracks: []events.NamedItem{}}
	for _, s := range tpl.Sections {
		out.Sections = append(out.Sections, events.NamedItem{ID: s.ID, Name: s.Name})
	}
	for _, o := range tpl.Owners {
		out.Owners = append(out.Owners, events.NamedItem{ID: o.ID, Name: o.Name})
	}
	tracks, err := content.Tracks()
	if err != nil {
		return out, err
	}
	for _, t := range tracks {
		if _, ok := m.cfg.Templates[t.ID]; ok {
			out.Tracks = append(out.Tracks, events.NamedItem{ID: t.ID, Name: t.Name})
		}
	}
	if t, ok := m.cfg.Templates[r.Body.Track]; ok && r.Body.StartDate != "" {
		start, err := time.Parse(events.DateLayout, r.Body.StartDate)
		if err != nil {
			return out, &events.Error{Code: events.CodeInvalid, Message: "Enter the start date, " + events.DateExample + ".",
				Fields: map[string]string{"start_date": "Enter the start date, " + events.DateExample + "."}}
		}
		out.LateTasks = onboarding.LateTasks(t, start, m.today())
	}
	return out, nil
}
