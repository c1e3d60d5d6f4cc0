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
}

// Streams are all of Onramp's streams, defined in this one place.
var Streams = []Stream{
	{Name: "IDENTITY", Subjects: []string{"onramp.identity.>"}},
	{Name: "ONBOARDING", Subjects: []string{"onramp.onboarding.>"}},
	{Name: "TRAINING", Subjects: []string{"onramp.training.>"}},
	{Name: "SKILLS", Subjects: []string{"onramp.skills.>"}},
	{Name: "MENTORSHIP", Subjects: []string{"onramp.mentorship.>"}},
	{Name: "NOTIFY", Subjects: []string{"onramp.notify.>"}},
	{Name: "DEADLETTER", Subjects: []string{DeadLetterPrefix + ".>"}, MaxAge: 90 * 24 * time.Hour},
}

// StreamFor returns the stream of an event type's domain, or "" if no stream holds it.
func StreamFor(eventType string) string {
	domain, _, _ := strings.Cut(eventType, ".")
	for _, s := range Streams {
		for _, subj := range s.Subjects {
			if subj == Prefix+"."+domain+".>" {
				return s.Name
			}
		}
	}
	return ""
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
