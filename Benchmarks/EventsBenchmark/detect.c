// The event detector in plain C, for `make bench-events`: scrappie's detect_events written from
// the algorithm as Tests/PrecisSignalTests/EventDetectorTranscriptionTests states it, in the
// reference's style: whole-read arrays of prefix sums, one scalar t-statistic per sample and
// window, the two peak detectors, then the events between consecutive peaks. It reads the samples
// of an uncompressed BLOW5 file (record and signal compression none) and prints the number of
// reads, samples and events; the benchmark checks the reads and events against `precis events`.
//
// usage: detect FILE.blow5 [window1 window2 threshold1 threshold2 peak_height]
#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct { int64_t start, length; float mean, stdv; } event_t;
typedef struct { float threshold; int window, masked_to, position, valid; float value; const float *signal; } detector_t;

static float *tstat(const double *sums, const double *squares, int64_t n, int w) {
    float *t = calloc((size_t)n + 1, sizeof *t);
    if (n < 2 * w || w < 2) return t;
    const float wf = (float)w;
    for (int64_t i = w; i <= n - w; i++) {
        double sum1 = sums[i], sumsq1 = squares[i];
        if (i > w) {
            sum1 -= sums[i - w];
            sumsq1 -= squares[i - w];
        }
        float sum2 = (float)(sums[i + w] - sums[i]), sumsq2 = (float)(squares[i + w] - squares[i]);
        float mean1 = (float)(sum1 / (double)wf), mean2 = sum2 / wf;
        float var = (float)(sumsq1 / (double)wf - (double)(mean1 * mean1) + (double)(sumsq2 / wf) - (double)(mean2 * mean2));
        var = fmaxf(var, FLT_MIN);
        t[i] = (float)(fabs((double)(mean2 - mean1)) / sqrt((double)(var / wf)));
    }
    return t;
}

static event_t make_event(const double *sums, const double *squares, int64_t start, int64_t end) {
    float length = (float)(end - start);
    float mean = (float)(sums[end] - sums[start]) / length;
    float delta = (float)(squares[end] - squares[start]);
    float var = delta / length - mean * mean;
    return (event_t){start, end - start, mean, sqrtf(var > 0 ? var : 0)};
}

/// The events of `n` samples `x` (pA) into a new array; their count in `*count`.
static event_t *detect(const float *x, int64_t n, const int w[2], const float threshold[2], float height, int64_t *count) {
    double *sums = malloc(((size_t)n + 1) * sizeof *sums), *squares = malloc(((size_t)n + 1) * sizeof *squares);
    sums[0] = squares[0] = 0;
    for (int64_t i = 0; i < n; i++) {
        sums[i + 1] = sums[i] + (double)x[i];
        squares[i + 1] = squares[i] + (double)(x[i] * x[i]);
    }
    detector_t d[2];
    for (int k = 0; k < 2; k++) {
        d[k] = (detector_t){threshold[k], w[k], 0, -1, 0, FLT_MAX, tstat(sums, squares, n, w[k])};
    }
    int64_t *peaks = malloc(((size_t)n + 1) * sizeof *peaks), npeaks = 0;
    for (int64_t i = 0; i < n; i++) {
        for (int k = 0; k < 2; k++) {
            detector_t *p = &d[k];
            if (p->masked_to >= i) continue;
            float current = p->signal[i];
            if (p->position == -1) {
                if (current < p->value) {
                    p->value = current;
                } else if (current - p->value > height) {
                    p->value = current;
                    p->position = (int)i;
                }
                continue;
            }
            if (current > p->value) {
                p->value = current;
                p->position = (int)i;
            }
            if (k == 0 && p->value > p->threshold) {
                d[1].masked_to = p->position + p->window;
                d[1].position = -1;
                d[1].value = FLT_MAX;
                d[1].valid = 0;
            }
            if (p->value - current > height && p->value > p->threshold) p->valid = 1;
            if (p->valid && i - p->position > p->window / 2) {
                peaks[npeaks++] = p->position;
                p->position = -1;
                p->value = current;
                p->valid = 0;
            }
        }
    }
    event_t *events = malloc(((size_t)npeaks + 1) * sizeof *events);
    int64_t m = 0, start = 0;
    for (int64_t k = 0; k < npeaks; k++) {
        if (peaks[k] > start && peaks[k] < n) {
            events[m++] = make_event(sums, squares, start, peaks[k]);
            start = peaks[k];
        }
    }
    if (n > 0) events[m++] = make_event(sums, squares, start, n);
    free(sums);
    free(squares);
    free(peaks);
    free((void *)d[0].signal);
    free((void *)d[1].signal);
    *count = m;
    return events;
}

static void fail(const char *message) {
    fprintf(stderr, "detect: %s\n", message);
    exit(1);
}

int main(int argc, char **argv) {
    if (argc != 2 && argc != 7) fail("usage: detect FILE.blow5 [window1 window2 threshold1 threshold2 peak_height]");
    int w[2] = {3, 6};
    float threshold[2] = {1.4f, 9.0f}, height = 0.2f;
    if (argc == 7) {
        w[0] = atoi(argv[2]);
        w[1] = atoi(argv[3]);
        threshold[0] = strtof(argv[4], NULL);
        threshold[1] = strtof(argv[5], NULL);
        height = strtof(argv[6], NULL);
    }
    FILE *f = fopen(argv[1], "rb");
    if (!f) fail("cannot open the file");
    unsigned char head[68];
    if (fread(head, 1, 68, f) != 68 || memcmp(head, "BLOW5\1", 6) != 0) fail("not BLOW5");
    if (head[9] != 0 || (head[7] >= 2 && head[14] != 0)) fail("compressed BLOW5: this program reads record and signal compression none");
    uint32_t header;
    memcpy(&header, head + 64, 4);
    if (fseek(f, (long)header, SEEK_CUR) != 0) fail("truncated header");
    int64_t reads = 0, events = 0, samples = 0;
    unsigned char *record = NULL;
    size_t room = 0;
    float *x = NULL;
    size_t xroom = 0;
    for (;;) {
        uint64_t size = 0;
        size_t got = fread(&size, 1, 8, f);
        if (got == 5 && memcmp(&size, "5WOLB", 5) == 0) break;
        if (got != 8) fail("truncated");
        if (size > room) record = realloc(record, room = size);
        if (fread(record, 1, size, f) != size) fail("truncated record");
        uint16_t idLength;
        memcpy(&idLength, record, 2);
        const unsigned char *p = record + 2 + idLength + 4;
        double digitisation, offset, range;
        uint64_t n;
        memcpy(&digitisation, p, 8);
        memcpy(&offset, p + 8, 8);
        memcpy(&range, p + 16, 8);
        memcpy(&n, p + 32, 8);
        const int16_t *raw = (const int16_t *)(p + 40);
        if (n > xroom) x = realloc(x, (xroom = n) * sizeof *x);
        const double unit = range / digitisation;
        for (uint64_t i = 0; i < n; i++) {
            int16_t r;
            memcpy(&r, raw + i, 2);
            x[i] = (float)(((double)r + offset) * unit);
        }
        int64_t count;
        event_t *found = detect(x, (int64_t)n, w, threshold, height, &count);
        free(found);
        events += count;
        samples += (int64_t)n;
        reads += 1;
    }
    printf("%lld reads, %lld samples, %lld events\n", (long long)reads, (long long)samples, (long long)events);
    return 0;
}
