package events

import (
	"strings"
	"time"
)

// Every event of a domain lives in that domain's stream. An event of type
// "<domain>.<entity>.<verb>" about record <id> is published on
//
//	onramp.<domain>.<entity>.<id>.<verb>
//
// so one record's history is the filter onramp.<domain>.<entity>.<id>.> (the basis of the
// per-record optimistic concurrency check) and one kind of event across all records is
// onramp.<domain>.<entity>.*.<verb> (what other domains' consumers subscribe to).
const Prefix = "onramp"

// Stream describes one JetStream stream.
type Stream struct {
	Name     string
	Subjects []string
	MaxAge   time.Duration // 0 keeps events forever
	// Owner is the service that alone appends to it; empty: the lower-case name.
	Owner string
}

// Service is the service that alone appends to the stream.
func (s Stream) Service() string {
	if s.Owner != "" {
		return s.Owner
	}
	return strings.ToLower(s.Name)
}

// SessionRetention is how long the SESSIONS stream keeps a sign-in's events: the longest a
// session may live (identity.SessionMaxAge), after which nothing about it can matter.
const SessionRetention = 30 * 24 * time.Hour

// Streams are all of Onramp's streams, defined in this one place. A domain's events are
// its record and are kept forever; identity's sign-in sessions are not part of that record
// and live in their own stream, kept as long as a session may live.
var Streams = []Stream{
	{Name: "IDENTITY", Subjects: []string{"onramp.identity.staff.>"}},
	{Name: "SESSIONS", Subjects: []string{"onramp.identity.session.>"}, MaxAge: SessionRetention, Owner: "identity"},
	{Name: "ONBOARDING", Subjects: []string{"onramp.onboarding.>"}},
	{Name: "TRAINING", Subjects: []string{"onramp.training.>"}},
	{Name: "SKILLS", Subjects: []string{"onramp.skills.>"}},
	{Name: "MENTORSHIP", Subjects: []string{"onramp.mentorship.>"}},
	{Name: "NOTIFY", Subjects: []string{"onramp.notify.>"}},
	{Name: "DEADLETTER", Subjects: []string{DeadLetterPrefix + ".>"}, MaxAge: 90 * 24 * time.Hour},
}

// StreamFor returns the stream that holds events of eventType, or "" if none does.
func StreamFor(eventType string) string {
	subject := Subject(eventType, "x")
	for _, s := range Streams {
		for _, filter := range s.Subjects {
			if SubjectMatches(filter, subject) {
				return s.Name
			}
		}
	}
	return ""
}

// StreamFilter is the subject filter of every message of stream name: its one subject, or
// onramp.<name>.> .
func StreamFilter(name string) string {
	for _, s := range Streams {
		if s.Name == name && len(s.Subjects) == 1 {
			return s.Subjects[0]
		}
	}
	return Prefix + "." + strings.ToLower(name) + ".>"
}

// SubjectMatches reports whether subject matches the NATS filter (with * and > wildcards).
func SubjectMatches(filter, subject string) bool {
	f, s := strings.Split(filter, "."), strings.Split(subject, ".")
	for i, tok := range f {
		if tok == ">" {
			return len(s) > i
		}
		if i >= len(s) || (tok != "*" && tok != s[i]) {
			return false
		}
	}
	return len(f) == len(s)
}

// Subject is the subject an event of eventType about record id is published on.
func Subject(eventType, id string) string {
	domain, rest, _ := strings.Cut(eventType, ".")
	entity, verb, _ := strings.Cut(rest, ".")
	return Prefix + "." + domain + "." + entity + "." + id + "." + verb
}

// RecordFilter is the subject filter of every event about one record:
// onramp.<domain>.<entity>.<id>.>.
func RecordFilter(domain, entity, id string) string {
	return Prefix + "." + domain + "." + entity + "." + id + ".>"
}

// TypeFilter is the subject filter of one event type across all records.
func TypeFilter(eventType string) string { return Subject(eventType, "*") }

// DeadLetterPrefix starts the subjects of dead-letter records: <prefix>.<consumer>.
const DeadLetterPrefix = "onramp.deadletter"

// DeadLetter is what a consumer writes when it gives up on a message.
type DeadLetter struct {
	Consumer string    `json:"consumer"`
	Stream   string    `json:"stream"`
	Subject  string    `json:"subject"`
	Sequence uint64    `json:"sequence"`
	Attempts uint64    `json:"attempts"`
	Reason   string    `json:"reason"`
	Time     time.Time `json:"time"`
	Event    []byte    `json:"event"` // the message body as received
}
