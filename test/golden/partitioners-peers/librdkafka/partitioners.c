/*
 * Prints librdkafka.tsv: the partition librdkafka's own built-in partitioner functions
 * (rd_kafka_msg_partitioner_consistent_random, _murmur2_random, _consistent, _murmur2) choose
 * for a fixed set of keys and partition counts. Build and run with generate.sh.
 *
 * Rows: the null key ("null"), the empty key, a few ASCII keys, then KEY_COUNT keys of 0..40
 * bytes from a fixed-seed xorshift64* generator. A cell is "*" when the function answers at
 * random for that key: each keyless cell (null or empty key) is asked RANDOM_TRIES times and is
 * "*" if the answers differ; a keyed cell is asked twice and must agree.
 *
 * The functions are given a real topic handle from a producer with no brokers: their random
 * branch asks whether a partition has a leader (none has, here), so a NULL handle would crash.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <librdkafka/rdkafka.h>

#define KEY_COUNT 2000
#define MAX_KEY_LEN 40
#define RANDOM_TRIES 256

typedef int32_t (*partitioner_fn)(const rd_kafka_topic_t *, const void *, size_t, int32_t, void *,
                                  void *);

static const struct {
        const char *name;
        partitioner_fn fn;
} FUNCTIONS[] = {
    {"consistent_random", rd_kafka_msg_partitioner_consistent_random},
    {"murmur2_random", rd_kafka_msg_partitioner_murmur2_random},
    {"consistent", rd_kafka_msg_partitioner_consistent},
    {"murmur2", rd_kafka_msg_partitioner_murmur2},
};
#define FUNCTION_COUNT (sizeof(FUNCTIONS) / sizeof(FUNCTIONS[0]))

static const int32_t COUNTS[] = {1, 2, 3, 6, 10, 12, 100};
#define COUNT_COUNT (sizeof(COUNTS) / sizeof(COUNTS[0]))

static const char *ASCII_KEYS[] = {"21", "foobar", "a-little-bit-long-string", "key", "kafka",
                                   "123456789"};
#define ASCII_KEY_COUNT (sizeof(ASCII_KEYS) / sizeof(ASCII_KEYS[0]))

static uint64_t rng_state = 0x6b61666b61776972ULL; /* fixed seed */

/* xorshift64*: small, deterministic on every platform. */
static uint32_t next_u32(void) {
        rng_state ^= rng_state >> 12;
        rng_state ^= rng_state << 25;
        rng_state ^= rng_state >> 27;
        return (uint32_t)((rng_state * 0x2545F4914F6CDD1DULL) >> 32);
}

static void print_row(rd_kafka_topic_t *rkt, const unsigned char *key, size_t len) {
        size_t i, f, c;
        int t;

        if (!key) {
                fputs("null", stdout);
        } else {
                for (i = 0; i < len; i++)
                        printf("%02x", key[i]);
        }
        for (f = 0; f < FUNCTION_COUNT; f++) {
                for (c = 0; c < COUNT_COUNT; c++) {
                        int tries = len == 0 ? RANDOM_TRIES : 2;
                        int32_t first = FUNCTIONS[f].fn(rkt, key, len, COUNTS[c], NULL, NULL);
                        int varies = 0;
                        for (t = 1; t < tries; t++) {
                                if (FUNCTIONS[f].fn(rkt, key, len, COUNTS[c], NULL, NULL) != first)
                                        varies = 1;
                        }
                        if (varies && len > 0) {
                                fprintf(stderr, "%s is not deterministic for a keyed record\n",
                                        FUNCTIONS[f].name);
                                exit(1);
                        }
                        if (varies)
                                fputs("\t*", stdout);
                        else
                                printf("\t%d", (int)first);
                }
        }
        putchar('\n');
}

int main(void) {
        char errstr[512];
        rd_kafka_conf_t *conf = rd_kafka_conf_new();
        rd_kafka_t *rk;
        rd_kafka_topic_t *rkt;
        unsigned char key[MAX_KEY_LEN];
        size_t f, c, i;
        int k;

        /* Quiet: no brokers are configured on purpose. */
        rd_kafka_conf_set(conf, "log_level", "0", errstr, sizeof(errstr));
        rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof(errstr));
        if (!rk) {
                fprintf(stderr, "rd_kafka_new: %s\n", errstr);
                return 1;
        }
        rkt = rd_kafka_topic_new(rk, "partitioner-vectors", NULL);
        fprintf(stderr, "librdkafka %s\n", rd_kafka_version_str());

        fputs("key_hex", stdout);
        for (f = 0; f < FUNCTION_COUNT; f++)
                for (c = 0; c < COUNT_COUNT; c++)
                        printf("\t%s/%d", FUNCTIONS[f].name, (int)COUNTS[c]);
        putchar('\n');

        print_row(rkt, NULL, 0);
        print_row(rkt, (const unsigned char *)"", 0);
        for (i = 0; i < ASCII_KEY_COUNT; i++)
                print_row(rkt, (const unsigned char *)ASCII_KEYS[i], strlen(ASCII_KEYS[i]));
        for (k = 0; k < KEY_COUNT; k++) {
                size_t len = next_u32() % (MAX_KEY_LEN + 1);
                for (i = 0; i < len; i++)
                        key[i] = (unsigned char)(next_u32() >> 24);
                print_row(rkt, key, len);
        }

        rd_kafka_topic_destroy(rkt);
        rd_kafka_destroy(rk);
        return 0;
}
