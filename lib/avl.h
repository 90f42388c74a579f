/* An intrusive, balanced (AVL) binary tree that can keep a summary of each subtree: embed a struct avl_node. */
#ifndef LIB_AVL_H
#define LIB_AVL_H

#include <stdbool.h>
#include <stddef.h>

/*
 * The caller orders the nodes: it finds where a new node goes (or names the node it follows) and searches
 * the tree itself, from its root, a struct avl_node * it keeps (NULL: empty). Every operation keeps the
 * heights of a node's two subtrees within one of each other, so a search visits O(log n) nodes.
 */
struct avl_node {
	struct avl_node *left, *right, *parent;
	int height; /* of the subtree rooted here: a leaf's is 1 */
};

#ifndef container_of
/* The structure of the given type that holds the member at ptr. */
#define container_of(ptr, type, member) ((type *)(void *)((char *)(ptr)-offsetof(type, member)))
#endif

/*
 * What the caller keeps about each subtree (its extent, its largest gap, a count), made again for n from n
 * itself and its children, whose own are up to date; true if that changed anything. Every operation calls it
 * on each node whose subtree changed, children before parents, and stops going up at a node whose height
 * and summary stayed the same. NULL: nothing is kept.
 */
typedef bool (*avl_update_fn)(struct avl_node *n);

/* Put n at *link, an empty child pointer of parent (or the root pointer, parent NULL), then rebalance. */
void avl_insert(struct avl_node **root, struct avl_node *n, struct avl_node *parent, struct avl_node **link,
		avl_update_fn update);
/* Put n just after prev in the tree's order (prev NULL: first). */
void avl_insert_after(struct avl_node **root, struct avl_node *n, struct avl_node *prev, avl_update_fn update);
/* Take n out of the tree, then rebalance. */
void avl_remove(struct avl_node **root, struct avl_node *n, avl_update_fn update);
/* n's own part of what update keeps changed (not its place in the order): make it again up to the root. */
void avl_changed(struct avl_node *n, avl_update_fn update);
/* A balanced tree of the n nodes that next(ctx) returns, in order (their old links are ignored); its root. */
struct avl_node *avl_build(struct avl_node *(*next)(void *ctx), void *ctx, size_t n, avl_update_fn update);

struct avl_node *avl_first(struct avl_node *root); /* the first in order, or NULL if empty */
struct avl_node *avl_last(struct avl_node *root); /* the last in order, or NULL if empty */
struct avl_node *avl_next(const struct avl_node *n); /* the node after n, or NULL */
struct avl_node *avl_prev(const struct avl_node *n); /* the node before n, or NULL */

#endif
