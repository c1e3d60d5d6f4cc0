package web

import (
	"cmp"
	"context"
	"sync"
	"time"

	"onramp.dev/events"
	"onramp.dev/events/onboardingapi"
	"onramp.dev/events/skillsapi"
	"onramp.dev/infra/rpc"
	"onramp.dev/views"
)

// Web reads nothing from content/: the names of tracks, task owners and plan sections come
// from the onboarding service (templates.info), skills from the skills service's effective
// catalogue (catalogue.list, shipped plus imported skills).

// infoTTL is how long web keeps onboarding's templates info: it changes only with a
// release of the onboarding service.
const infoTTL = 5 * time.Minute

// infoCache keeps the last templates info onboarding answered.
type infoCache struct {
	mu   sync.Mutex
	info events.TemplatesInfo
	at   time.Time
}

// names are the display names of tracks, owners and sections.
type names struct{ info events.TemplatesInfo }

// names answers onboarding's templates info, fetched at most every infoTTL. While the
// onboarding service does not answer, the last answer stands (ids are shown for names
// before the first).
func (m *Main) names(ctx context.Context) names {
	m.info.mu.Lock()
	defer m.info.mu.Unlock()
	if m.info.at.IsZero() || time.Since(m.info.at) > infoTTL {
		ctx, cancel := context.WithTimeout(ctx, 2*time.Second) // names are not worth a slow page
		info, err := rpc.Do(ctx, m.nc, onboardingapi.OpTemplatesInfo, rpc.Caller{}, events.TemplatesInfoRequest{})
		cancel()
		if err != nil {
			m.log.Warn("onboarding templates info unavailable", "err", err)
		} else {
			m.info.info, m.info.at = info, time.Now()
		}
	}
	return names{m.info.info}
}

func nameOf(items []events.NamedItem, id string) (string, bool) {
	for _, it := range items {
		if it.ID == id {
			return it.Name, true
		}
	}
	return "", false
}

// track is a track's name (its id if unknown).
func (n names) track(id string) string {
	if s, ok := nameOf(n.info.Tracks, id); ok {
		return s
	}
	return id
}

// owner is a task owner's name ("" if unknown).
func (n names) owner(id string) string {
	s, _ := nameOf(n.info.Owners, id)
	return s
}

// trackOptions are the tracks for a picker.
func (n names) trackOptions() []views.Option {
	var out []views.Option
	for _, t := range n.info.Tracks {
		out = append(out, views.Option{Value: t.ID, Label: t.Name})
	}
	return out
}

// skillOptions are the skills of the effective catalogue for a picker (none while the
// skills service does not answer).
func (m *Main) skillOptions(ctx context.Context, v *viewer) []views.Option {
	cat, err := rpc.Do(ctx, m.nc, skillsapi.OpSkillsList, v.caller(), events.None{})
	if err != nil {
		m.log.Warn("skills catalogue unavailable", "err", err)
		return nil
	}
	out := make([]views.Option, 0, len(cat.Items))
	for _, s := range cat.Items {
		out = append(out, views.Option{Value: s.ID, Label: s.Name})
	}
	return out
}

// optionNamer names values by their options' labels (the value itself when unknown).
func optionNamer(opts []views.Option) func(string) string {
	labels := make(map[string]string, len(opts))
	for _, o := range opts {
		labels[o.Value] = o.Label
	}
	return func(v string) string { return cmp.Or(labels[v], v) }
}

// mapped is f applied to each of xs.
func mapped(xs []string, f func(string) string) []string {
	out := make([]string, len(xs))
	for i, x := range xs {
		out[i] = f(x)
	}
	return out
}
