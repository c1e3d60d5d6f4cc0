package web

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/nats-io/nats.go"

	"onramp.dev/events"
	"onramp.dev/events/mentorshipapi"
	"onramp.dev/events/onboardingapi"
	"onramp.dev/events/skillsapi"
	"onramp.dev/infra/rpc"
)

// Live updates. A page marks what it shows with data-live topics; /static/live.js opens
// one server-sent-events stream for them, and this handler relays every event on those
// topics as a "change" (topic, event type, record id — never the event's data: the page
// re-fetches itself, and that request is authorised as usual).
//
// A topic is "<domain>.<entity>" (every record) or "<domain>.<entity>.<id>" (one record),
// and covers the NATS subjects onramp.<topic>.>.

var topicPattern = regexp.MustCompile(`^(onboarding|training|skills|mentorship|notify)\.[a-z_]+(\.[A-Za-z0-9_-]{1,128})?$`)

const maxTopics = 16

// Streams one browser session, and one client address, may hold open at once. An address
// can be a whole office behind one NAT, so its bound is far above one person's.
const (
	maxStreamsPerSession = 8
	maxStreamsPerAddress = 256
)

// liveStreams counts the open streams per session and per client address.
type liveStreams struct {
	mu sync.Mutex
	n  map[string]int
}

// open takes a stream for each key, or none if any key is at its limit.
func (l *liveStreams) open(keys []string, limits []int) (release func(), ok bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for i, k := range keys {
		if l.n[k] >= limits[i] {
			return nil, false
		}
	}
	for _, k := range keys {
		l.n[k]++
	}
	return func() {
		l.mu.Lock()
		defer l.mu.Unlock()
		for _, k := range keys {
			if l.n[k]--; l.n[k] <= 0 {
				delete(l.n, k)
			}
		}
	}, true
}

// sessionOf is the session id inside an access token. The token was verified by identity
// for this very request (authenticate), so its claims are read without checking again.
func sessionOf(token string) string {
	sid, _ := tokenSession(token)
	return sid
}

// authorizeTopic applies the rule for reading a record to live updates about it: the
// service that owns the record is asked for it as the viewer. A topic for every record of
// a kind names no record and carries no data, so every signed-in person may follow it.
func (m *Main) authorizeTopic(ctx context.Context, v *viewer, topic string) error {
	parts := strings.SplitN(topic, ".", 3)
	if len(parts) < 3 {
		return nil
	}
	var err error
	switch kind, id := parts[0]+"."+parts[1], parts[2]; kind {
	case "onboarding.plan", "onboarding.task":
		_, err = rpc.Do(ctx, m.nc, onboardingapi.OpPlanGet, v.caller(), events.PlanRequest{ID: id})
	case "skills.record":
		_, err = rpc.Do(ctx, m.nc, skillsapi.OpRecordGet, v.caller(), events.SkillRecordRequest{Person: id})
	case "mentorship.pair", "mentorship.checkin":
		_, err = rpc.Do(ctx, m.nc, mentorshipapi.OpMentorshipGet, v.caller(), events.MentorshipRequest{ID: id})
	case "notify.person": // one's own notifications only
		if id == v.ID {
			return nil
		}
		return events.Errorf(events.CodeForbidden, "not your topic %s", topic)
	default:
		return events.Errorf(events.CodeForbidden, "no live updates about one %s", kind)
	}
	if c := events.CodeOf(err); err != nil && (c == events.CodeNotFound || c == events.CodeBadRequest) {
		return events.Errorf(events.CodeForbidden, "no live updates for %s", topic) // do not reveal what exists
	}
	return err
}

type change struct {
	Topic string `json:"topic"`
}

func (m *Main) live(w http.ResponseWriter, r *http.Request, v *viewer) {
	topics := r.URL.Query()["topic"]
	if len(topics) == 0 || len(topics) > maxTopics {
		http.Error(w, fmt.Sprintf("ask for 1 to %d topics", maxTopics), http.StatusBadRequest)
		return
	}
	for _, t := range topics {
		if !topicPattern.MatchString(t) {
			http.Error(w, "unknown topic "+t, http.StatusBadRequest)
			return
		}
		// Notifications are private: only one's own record, so nobody learns when
		// someone else is told something.
		if strings.HasPrefix(t, "notify.") && t != "notify.person."+v.ID {
			http.Error(w, "not your topic "+t, http.StatusForbidden)
			return
		}
	}
	for _, t := range topics {
		if err := m.authorizeTopic(r.Context(), v, t); err != nil {
			m.fail(w, r, err)
			return
		}
	}
	release, ok := m.streams.open([]string{"session:" + cmp.Or(sessionOf(v.token), v.token), "client:" + clientAddr(r)},
		[]int{maxStreamsPerSession, maxStreamsPerAddress})
	if !ok {
		m.fail(w, r, &events.Error{Code: events.CodeTooMany, Message: "Too many live streams are open; close some tabs.", RetryAfter: 30})
		return
	}
	defer release()
	rc := http.NewResponseController(w)
	_ = rc.SetWriteDeadline(time.Time{}) // a stream outlives the server's write timeout

	ch := make(chan change, 64)
	for _, t := range topics {
		topic := t
		sub, err := m.nc.Subscribe(events.Prefix+"."+topic+".>", func(*nats.Msg) {
			select {
			case ch <- change{Topic: topic}:
			default: // a slow browser misses a nudge; its next one refreshes the same view
			}
		})
		if err != nil {
			m.fail(w, r, err)
			return
		}
		defer sub.Unsubscribe()
	}

	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	_, _ = fmt.Fprint(w, "retry: 2000\n\n")
	_ = rc.Flush()

	heartbeat := time.NewTicker(25 * time.Second)
	defer heartbeat.Stop()
	for {
		select {
		case <-r.Context().Done():
			return
		case <-m.closing:
			return
		case <-heartbeat.C:
			if _, err := fmt.Fprint(w, ": keep-alive\n\n"); err != nil {
				return
			}
		case c := <-ch:
			b, _ := json.Marshal(c)
			if _, err := fmt.Fprintf(w, "event: change\ndata: %s\n\n", b); err != nil {
				return
			}
		}
		if err := rc.Flush(); err != nil {
			return
		}
	}
}
