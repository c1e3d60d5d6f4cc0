package web

import (
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"time"

	"github.com/nats-io/nats.go"

	"onramp.dev/events"
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
