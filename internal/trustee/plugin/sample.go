package plugin

import "context"

// Sample is upstream's "sample" plugin: an admin-only endpoint that shows
// how a plugin is wired. Its configured item is accepted and unused.
type Sample struct{}

var _ Plugin = Sample{}

// SampleResponse is what the sample plugin always answers.
const SampleResponse = "sample plugin response"

// Name implements Plugin.
func (Sample) Name() string { return "sample" }

// RequiresAdmin implements Plugin: every sample call is an admin call.
func (Sample) RequiresAdmin(string) bool { return true }

// Encrypted implements Plugin.
func (Sample) Encrypted(string) bool { return false }

// Handle implements Plugin.
func (Sample) Handle(context.Context, *Request) ([]byte, error) {
	return []byte(SampleResponse), nil
}
