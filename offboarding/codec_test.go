package offboarding_test

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/m365kit/backuprestore"
	"github.com/m365kit/backuprestore/offboarding"
	"github.com/m365kit/backuprestore/offboarding/journaltest"
)

func TestEntryCodecRoundTrip(t *testing.T) {
	t.Parallel()
	for _, e := range []offboarding.Entry{
		journaltest.FullEntry("u1", offboarding.StageRead, false),
		journaltest.FullEntry("u\"2\n", offboarding.StageRemove, true),
		{UnitID: "minimal", Stage: offboarding.StageWaitCancelled},
	} {
		b, err := offboarding.AppendEntry(nil, e)
		require.NoError(t, err)
		got, err := offboarding.DecodeEntry(b)
		require.NoError(t, err)
		assert.True(t, e.At.Equal(got.At))
		assert.True(t, e.Sent.Equal(got.Sent))
		e.At, e.Sent = got.At, got.Sent
		assert.Equal(t, e, got)
	}
}

func TestDecodeEntryRejects(t *testing.T) {
	t.Parallel()
	for name, in := range map[string]string{
		"not JSON":      `{"u":`,
		"no unit":       `{"s":"read","at":"2026-12-07T00:00:00Z"}`,
		"no stage":      `{"u":"x","at":"2026-12-07T00:00:00Z"}`,
		"unknown stage": `{"u":"x","s":"teleport","at":"2026-12-07T00:00:00Z"}`,
		"unknown kind":  `{"u":"x","s":"read","k":"printer","at":"2026-12-07T00:00:00Z"}`,
		"bad outcome":   `{"u":"x","s":"read","o":"maybe","at":"2026-12-07T00:00:00Z"}`,
	} {
		_, err := offboarding.DecodeEntry([]byte(in))
		assert.Error(t, err, name)
	}
}

func TestRunInfoCodec(t *testing.T) {
	t.Parallel()
	info := journaltest.Info("r1", "a", "b")
	got, err := offboarding.UnmarshalRunInfo(offboarding.MarshalRunInfo(info))
	require.NoError(t, err)
	assert.True(t, info.Started.Equal(got.Started))
	got.Started = info.Started
	assert.Equal(t, info, got)
	_, err = offboarding.UnmarshalRunInfo([]byte(`{"action":"delete"}`))
	assert.Error(t, err)
}

func TestErrorRecordKeepsIdentity(t *testing.T) {
	t.Parallel()
	orig := errors.Join(backuprestore.ErrOutcomeUnknown, &backuprestore.Error{StatusCode: 503, Code: "serviceNotAvailable", RequestID: "r"})
	err := offboarding.RecordError(orig).Err()
	assert.Equal(t, orig.Error(), err.Error())
	for _, s := range []error{backuprestore.ErrOutcomeUnknown, backuprestore.ErrServiceUnavailable, backuprestore.ErrServer} {
		assert.ErrorIs(t, err, s)
	}
	assert.NotErrorIs(t, err, backuprestore.ErrNotFound)
	assert.Nil(t, offboarding.RecordError(nil))
	assert.NoError(t, (*offboarding.ErrorRecord)(nil).Err())
}
