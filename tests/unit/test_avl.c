/* Host tests for lib/avl.c: every operation against a sorted array, with the tree's shape checked after each. */
#define CHECK_SUITE "avl"
#include "tests/unit/check.h"

#include <stdint.h>
#include "lib/avl.h"

#define N 2000

struct item {
	int key;
	int count; /* the nodes in its subtree: the summary the tests keep */
	long sum; /* of the keys in its subtree */
	struct avl_node node;
};

static struct item items[N];

static struct item *item_of(const struct avl_node *n)
{
	return n ? container_of(n, struct item, node) : NULL;
}

static bool update(struct avl_node *n)
{
	struct item *it = item_of(n), *l = item_of(n->left), *r = item_of(n->right);
	int count = 1 + (l ? l->count : 0) + (r ? r->count : 0);
	long sum = it->key + (l ? l->sum : 0) + (r ? r->sum : 0);
	bool changed = count != it->count || sum != it->sum;
	it->count = count;
	it->sum = sum;
	return changed;
}

/* Checks the subtree at n: ordered within (lo, hi), parent links, heights, balance, summaries; its height,
 * or -1 when something is wrong. */
static int shape(const struct avl_node *n, const struct avl_node *parent, int lo, int hi)
{
	if (!n)
		return 0;
	const struct item *it = item_of(n), *l = item_of(n->left), *r = item_of(n->right);
	int hl = shape(n->left, n, lo, it->key), hr = shape(n->right, n, it->key, hi);
	if (hl < 0 || hr < 0 || n->parent != parent || it->key <= lo || it->key >= hi)
		return -1;
	if (hl - hr > 1 || hr - hl > 1 || n->height != (hl > hr ? hl : hr) + 1)
		return -1;
	if (it->count != 1 + (l ? l->count : 0) + (r ? r->count : 0) ||
	    it->sum != it->key + (l ? l->sum : 0) + (r ? r->sum : 0))
		return -1;
	return n->height;
}

/* The tree holds exactly the keys of in[] (sorted, n of them), in order both ways, with a correct shape. */
static int same(struct avl_node *root, const int *in, int n)
{
	if (shape(root, NULL, -1, 1 << 30) < 0)
		return 0;
	int i = 0;
	for (struct avl_node *p = avl_first(root); p; p = avl_next(p), i++)
		if (i >= n || item_of(p)->key != in[i])
			return 0;
	if (i != n)
		return 0;
	for (struct avl_node *p = avl_last(root); p; p = avl_prev(p))
		if (item_of(p)->key != in[--i])
			return 0;
	return (n == 0 && !root) || (root && item_of(root)->count == n);
}

/* Inserts it by key (keys are distinct). */
static void insert(struct avl_node **root, struct item *it)
{
	struct avl_node **link = root, *parent = NULL;
	while (*link) {
		parent = *link;
		link = it->key < item_of(parent)->key ? &parent->left : &parent->right;
	}
	avl_insert(root, &it->node, parent, link, update);
}

static uint32_t seed = 12345;
static uint32_t rnd(void)
{
	seed = seed * 1103515245u + 12345u;
	return seed >> 8;
}

TEST(empty)
{
	struct avl_node *root = NULL;
	CHECK(avl_first(root) == NULL);
	CHECK(avl_last(root) == NULL);
	CHECK(avl_build(NULL, NULL, 0, update) == NULL);
}

/* Ascending insertions are the case an unbalanced tree turns into a list. */
TEST(ascending_stays_balanced)
{
	struct avl_node *root = NULL;
	static int keys[N];
	for (int i = 0; i < N; i++) {
		items[i].key = keys[i] = i;
		insert(&root, &items[i]);
	}
	REQUIRE(same(root, keys, N));
	CHECK(root->height <= 16); /* AVL: at most 1.44 log2(n + 2) */
}

/* Random insertions and removals, in the middle, at the ends, of nodes with two children. */
TEST(random_against_array)
{
	struct avl_node *root = NULL;
	static int in[N];
	static bool present[N];
	int n = 0;
	for (int i = 0; i < N; i++) {
		items[i].key = i * 3;
		present[i] = false;
	}
	for (int step = 0; step < 20000; step++) {
		int i = (int)(rnd() % N);
		if (present[i])
			avl_remove(&root, &items[i].node, update);
		else
			insert(&root, &items[i]);
		present[i] = !present[i];
		if (step % 97 != 0 && step < 19990)
			continue;
		n = 0;
		for (int k = 0; k < N; k++)
			if (present[k])
				in[n++] = items[k].key;
		REQUIRE(same(root, in, n));
	}
}

/* insert_after places by order alone: building 0..N-1 by always naming the node before. */
TEST(insert_after)
{
	struct avl_node *root = NULL;
	static int keys[N];
	for (int i = 0; i < N; i++)
		keys[i] = items[i].key = i;
	avl_insert_after(&root, &items[N / 2].node, NULL, update);
	for (int i = N / 2 - 1; i >= 0; i--) /* each one first */
		avl_insert_after(&root, &items[i].node, NULL, update);
	for (int i = N / 2 + 1; i < N; i++) /* each one after a node that may have a right subtree */
		avl_insert_after(&root, &items[i].node, &items[i - 1].node, update);
	REQUIRE(same(root, keys, N));
	for (int i = 0; i < N; i += 2)
		avl_remove(&root, &items[i].node, update);
	for (int i = 0; i < N; i += 2) /* back between its neighbours */
		avl_insert_after(&root, &items[i].node, i ? &items[i - 1].node : NULL, update);
	CHECK(same(root, keys, N));
}

/* A summary that changes in place (a key moved without passing a neighbour) is made again to the root. */
TEST(changed)
{
	struct avl_node *root = NULL;
	static int keys[100];
	for (int i = 0; i < 100; i++) {
		items[i].key = i * 10;
		insert(&root, &items[i]);
	}
	items[37].key = 371;
	avl_changed(&items[37].node, update);
	for (int i = 0; i < 100; i++)
		keys[i] = items[i].key;
	CHECK(same(root, keys, 100));
}

static struct avl_node *next_item(void *ctx)
{
	int *i = ctx;
	return &items[(*i)++].node;
}

TEST(build)
{
	static int keys[N];
	for (int n = 1; n <= N; n = n * 3 + 1) {
		int i = 0;
		for (int k = 0; k < n; k++) {
			keys[k] = items[k].key = k;
			items[k].node =
				(struct avl_node){ &items[0].node, &items[0].node, &items[0].node, 99 }; /* stale */
		}
		struct avl_node *root = avl_build(next_item, &i, (size_t)n, update);
		REQUIRE(i == n);
		REQUIRE(same(root, keys, n));
		for (int k = 0; k < n; k += 3) /* and it stays a working tree */
			avl_remove(&root, &items[k].node, update);
		int m = 0;
		for (int k = 0; k < n; k++)
			if (k % 3)
				keys[m++] = k;
		REQUIRE(same(root, keys, m));
	}
}

int main(int argc, char **argv)
{
	CHECK_BEGIN(argc, argv);
	RUN(empty);
	RUN(ascending_stays_balanced);
	RUN(random_against_array);
	RUN(insert_after);
	RUN(changed);
	RUN(build);
	return CHECK_END();
}
