package filejournal

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
)

// The file format (version 1), little-endian throughout:
//
//	header  magic "backuprestore journal\n" (22 bytes), version uint16,
//	        flags uint32 (0), CRC-32C of the 28 bytes before it: 32 bytes
//	frame   length uint32 (of the payload), CRC-32C uint32 (of the length's
//	        4 bytes, then the payload), payload
//	payload one or more records: type byte, uvarint length, data
//
// Every write appends exactly one frame, and the next write starts only
// after the previous one was synced: so only the last frame can be torn by
// a power cut or a kill, and a bad frame with a good frame anywhere after
// it is corruption, not a torn write (see scanFrames).
//
// Records: a run's start (recStart, offboarding.MarshalRunInfo), its
// entries (recEntry, offboarding.AppendEntry), its end (recFinish, a
// finishJSON) or abandonment (recAbandon, an abandonJSON). A record belongs
// to the run of the last recStart before it. recCompacted marks the end of
// a compacted prefix (see compact.go).

const (
	magic         = "backuprestore journal\n"
	formatVersion = 1
	headerSize    = 32 // len(magic) + 2 + 4 + 4, untyped
	frameHeader   = 8
	// maxFrame bounds one frame's payload (uint32), so a Record of many
	// entries fails cleanly instead of wrapping the length.
	maxFrame = 1<<32 - 1
)

// Record types.
const (
	recStart     byte = 'S'
	recEntry     byte = 'E'
	recFinish    byte = 'F'
	recAbandon   byte = 'A'
	recCompacted byte = 'C'
)

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// header returns the file header of the current version.
func header() []byte {
	b := make([]byte, headerSize)
	copy(b, magic)
	binary.LittleEndian.PutUint16(b[len(magic):], formatVersion)
	binary.LittleEndian.PutUint32(b[headerSize-4:], crc32.Checksum(b[:headerSize-4], castagnoli))
	return b
}

// checkHeader validates a file's first bytes (all of them when the file
// is shorter than a header). It fails with ErrNotJournal for a file that
// does not start with the magic, a *VersionError for a version other than
// formatVersion, and a *CorruptError for a damaged header.
func checkHeader(path string, b []byte) error {
	n := min(len(b), len(magic))
	if string(b[:n]) != magic[:n] {
		return fmt.Errorf("filejournal: %s: %w", path, ErrNotJournal)
	}
	if len(b) < headerSize {
		return &CorruptError{Path: path, Offset: int64(len(b)), Reason: "the file ends inside its header"}
	}
	if crc32.Checksum(b[:headerSize-4], castagnoli) != binary.LittleEndian.Uint32(b[headerSize-4:]) {
		return &CorruptError{Path: path, Offset: 0, Reason: "the header's checksum does not match"}
	}
	if v := binary.LittleEndian.Uint16(b[len(magic):]); v != formatVersion {
		return &VersionError{Path: path, Version: v}
	}
	return nil
}

// frameCRC is the checksum of a frame: its length field, then its payload.
func frameCRC(lenField, payload []byte) uint32 {
	return crc32.Update(crc32.Checksum(lenField, castagnoli), castagnoli, payload)
}

// sealFrame fills the frame header at buf[:frameHeader] for the payload
// buf[frameHeader:]. It fails when the payload is larger than maxFrame.
func sealFrame(buf []byte) error {
	n := len(buf) - frameHeader
	if n > maxFrame {
		return fmt.Errorf("filejournal: a write of %d bytes is larger than a frame (%d bytes)", n, maxFrame)
	}
	binary.LittleEndian.PutUint32(buf[0:4], uint32(n))
	binary.LittleEndian.PutUint32(buf[4:8], frameCRC(buf[0:4], buf[frameHeader:]))
	return nil
}

// appendRecord appends one record to a payload.
func appendRecord(dst []byte, typ byte, data []byte) []byte {
	dst = append(dst, typ)
	dst = binary.AppendUvarint(dst, uint64(len(data)))
	return append(dst, data...)
}

// record is one record of a frame's payload; data aliases the payload,
// from its offset at.
type record struct {
	typ  byte
	data []byte
	at   int
}

// parseRecords calls fn for each record of a frame's payload, in order.
// It fails (with a reason, no path: the caller knows where the frame is)
// when the payload is not a sequence of known records, or as fn does.
func parseRecords(payload []byte, fn func(i int, r record) error) error {
	for i, at := 0, 0; at < len(payload); i++ {
		typ := payload[at]
		switch typ {
		case recStart, recEntry, recFinish, recAbandon, recCompacted:
		default:
			return fmt.Errorf("unknown record type %#x", typ)
		}
		n, k := binary.Uvarint(payload[at+1:])
		if k <= 0 || n > uint64(len(payload)-at-1-k) {
			return errors.New("a record's length runs past its frame")
		}
		at += 1 + k
		data := payload[at : at+int(n)]
		if err := fn(i, record{typ: typ, data: data, at: at}); err != nil {
			return err
		}
		at += int(n)
	}
	return nil
}

// scanResult is what scanFrames found.
type scanResult struct {
	// end is the offset after the last good frame: the file's size, or
	// where a torn tail starts.
	end int64
	// torn is the size of the torn tail dropped (0: none).
	torn int64
}

// scanFrames reads the frames of r from off (a frame boundary) up to
// size, calling fn with each good frame's offset and payload (which fn
// must not keep: its buffer is reused). At the first bad frame (cut short,
// a zero length, a checksum that does not match) it looks for a good frame
// anywhere after it: with none, the bad frame is a torn last write and
// the scan ends there (scanResult.torn); with one, the journal is corrupt
// and scanFrames fails with a *CorruptError at the bad frame's offset. A
// frame whose checksum holds but whose records do not parse is corrupt
// too. Errors from reading r, and fn's, are returned as they are.
func scanFrames(r io.ReaderAt, path string, off, size int64, fn func(off int64, payload []byte) error) (scanResult, error) {
	br := bufio.NewReaderSize(io.NewSectionReader(r, off, size-off), 1<<20)
	var hdr [frameHeader]byte
	var buf []byte
	for off < size {
		bad := ""
		var n int64
		if size-off < frameHeader {
			bad = "the last frame's header is cut short"
		} else {
			if _, err := io.ReadFull(br, hdr[:]); err != nil {
				return scanResult{}, readErr(path, off, err)
			}
			n = int64(binary.LittleEndian.Uint32(hdr[0:4]))
			switch {
			case n == 0:
				bad = "a frame of length zero"
			case n > size-off-frameHeader:
				bad = fmt.Sprintf("a frame of %d bytes runs past the end of the file", n)
			default:
				if int64(cap(buf)) < n {
					buf = make([]byte, n)
				}
				buf = buf[:n]
				if _, err := io.ReadFull(br, buf); err != nil {
					return scanResult{}, readErr(path, off, err)
				}
				if frameCRC(hdr[0:4], buf) != binary.LittleEndian.Uint32(hdr[4:8]) {
					bad = "a frame's checksum does not match"
				}
			}
		}
		if bad != "" {
			found, err := goodFrameAfter(r, path, off+1, size)
			if err != nil {
				return scanResult{}, err
			}
			if found >= 0 {
				return scanResult{}, &CorruptError{Path: path, Offset: off, Reason: fmt.Sprintf("%s (a good frame follows at byte %d)", bad, found)}
			}
			return scanResult{end: off, torn: size - off}, nil
		}
		if err := parseRecords(buf, func(int, record) error { return nil }); err != nil {
			return scanResult{}, &CorruptError{Path: path, Offset: off, Reason: err.Error()}
		}
		if err := fn(off, buf); err != nil {
			return scanResult{}, err
		}
		off += frameHeader + n
	}
	return scanResult{end: off}, nil
}

func readErr(path string, off int64, err error) error {
	if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
		// The file shrank under us: only a writer's truncation of a torn
		// tail, or a replacement by compaction, does that.
		return fmt.Errorf("filejournal: journal %s changed while it was read (at byte offset %d); read it again", path, off)
	}
	return fmt.Errorf("filejournal: read journal %s at byte offset %d: %w", path, off, err)
}

// resyncBudget bounds the bytes goodFrameAfter checksums beyond what the
// region's size allows, so that a crafted file cannot make it quadratic.
const resyncBudget = 256 << 20

// goodFrameAfter returns the offset of the first position in [from, size)
// where a good frame (a non-zero length that fits, a matching checksum,
// records that parse) starts, or -1 when there is none. Positions are
// tried one byte apart: after a damaged length there is no way to know
// where the next frame starts. When the checksumming would exceed its
// budget it fails with a *CorruptError (a torn tail cannot be told from
// corruption there), never loops for long.
func goodFrameAfter(r io.ReaderAt, path string, from, size int64) (int64, error) {
	budget := int64(resyncBudget) + 16*(size-from)
	const chunk = 1 << 16
	win := make([]byte, 0, chunk+frameHeader+1)
	winOff := from
	var payload []byte
	for pos := from; pos+frameHeader+1 <= size; pos++ {
		// Keep [pos, pos+frameHeader+1) in the window.
		if pos+frameHeader+1 > winOff+int64(len(win)) {
			keep := win[pos-winOff:]
			win = append(win[:0], keep...)
			winOff = pos
			want := min(int64(chunk), size-winOff-int64(len(win)))
			if want > 0 {
				start := len(win)
				win = win[:start+int(want)]
				got, err := r.ReadAt(win[start:], winOff+int64(start))
				if err != nil && !errors.Is(err, io.EOF) {
					return -1, fmt.Errorf("filejournal: read journal %s at byte offset %d: %w", path, winOff+int64(start), err)
				}
				win = win[:start+got]
			}
			if pos+frameHeader+1 > winOff+int64(len(win)) {
				return -1, nil // the file shrank under us: nothing more to find
			}
		}
		h := win[pos-winOff:]
		n := int64(binary.LittleEndian.Uint32(h[0:4]))
		if n == 0 || n > size-pos-frameHeader {
			continue
		}
		switch h[frameHeader] {
		case recStart, recEntry, recFinish, recAbandon, recCompacted:
		default:
			continue
		}
		budget -= n
		if budget < 0 {
			return -1, &CorruptError{Path: path, Offset: from - 1, Reason: "a bad frame, and too much after it to tell a torn write from corruption"}
		}
		if int64(cap(payload)) < n {
			payload = make([]byte, n)
		}
		payload = payload[:n]
		if _, err := r.ReadAt(payload, pos+frameHeader); err != nil {
			return -1, fmt.Errorf("filejournal: read journal %s at byte offset %d: %w", path, pos+frameHeader, err)
		}
		if frameCRC(h[0:4], payload) == binary.LittleEndian.Uint32(h[4:8]) && parseRecords(payload, func(int, record) error { return nil }) == nil {
			return pos, nil
		}
	}
	return -1, nil
}
