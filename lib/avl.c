/* An intrusive AVL tree with summaries of subtrees (avl.h): insertion, removal, building, walking in order. */
#include "lib/avl.h"

static int height(const struct avl_node *n)
{
	return n ? n->height : 0;
}

/* Make n's height and summary again from its children's; true if either changed. */
static bool refresh(struct avl_node *n, avl_update_fn update)
{
	int l = height(n->left), r = height(n->right), h = (l > r ? l : r) + 1;
	bool changed = n->height != h;
	n->height = h;
	if (update && update(n))
		changed = true;
	return changed;
}

/* Hang c (may be NULL) where n hangs now: from n's parent, or at the root. */
static void replace_child(struct avl_node **root, struct avl_node *n, struct avl_node *c)
{
	struct avl_node *p = n->parent;
	if (!p)
		*root = c;
	else if (p->left == n)
		p->left = c;
	else
		p->right = c;
	if (c)
		c->parent = p;
}

/* Turn n down to the left: its right child takes its place. */
static struct avl_node *rotate_left(struct avl_node **root, struct avl_node *n, avl_update_fn update)
{
	struct avl_node *r = n->right;
	replace_child(root, n, r);
	n->right = r->left;
	if (r->left)
		r->left->parent = n;
	r->left = n;
	n->parent = r;
	refresh(n, update);
	refresh(r, update);
	return r;
}

/* Turn n down to the right: its left child takes its place. */
static struct avl_node *rotate_right(struct avl_node **root, struct avl_node *n, avl_update_fn update)
{
	struct avl_node *l = n->left;
	replace_child(root, n, l);
	n->left = l->right;
	if (l->right)
		l->right->parent = n;
	l->right = n;
	n->parent = l;
	refresh(n, update);
	refresh(l, update);
	return l;
}

/* Refresh n, whose subtrees are balanced and differ in height by at most 2, rotating if they differ by 2;
 * the node now at n's place, n itself only if there was no rotation, *changed whether n's height or summary
 * changed then. */
static struct avl_node *balance(struct avl_node **root, struct avl_node *n, avl_update_fn update, bool *changed)
{
	int diff = height(n->left) - height(n->right);
	if (diff > 1) {
		if (height(n->left->left) < height(n->left->right))
			rotate_left(root, n->left, update);
		return rotate_right(root, n, update);
	}
	if (diff < -1) {
		if (height(n->right->right) < height(n->right->left))
			rotate_right(root, n->right, update);
		return rotate_left(root, n, update);
	}
	*changed = refresh(n, update);
	return n;
}

/*
 * Balance and refresh n and its ancestors, bottom up, up to forced (if not NULL) and its parent whatever
 * happens, and beyond that until a node keeps its place, height and summary: its ancestors' stay right.
 */
static void retrace(struct avl_node **root, struct avl_node *n, avl_update_fn update, const struct avl_node *forced)
{
	bool must = forced != NULL, changed = true;
	while (n) {
		struct avl_node *top = balance(root, n, update, &changed);
		if (!must && top == n && !changed)
			return;
		if (n == forced)
			must = false; /* its summary was compared with stale values: its parent's must be made too */
		n = top->parent;
	}
}

void avl_insert(struct avl_node **root, struct avl_node *n, struct avl_node *parent, struct avl_node **link,
		avl_update_fn update)
{
	n->left = n->right = NULL;
	n->parent = parent;
	n->height = 1;
	*link = n;
	if (update)
		update(n);
	retrace(root, parent, update, NULL);
}

void avl_insert_after(struct avl_node **root, struct avl_node *n, struct avl_node *prev, avl_update_fn update)
{
	struct avl_node *p;
	if (!prev) {
		p = avl_first(*root);
		avl_insert(root, n, p, p ? &p->left : root, update);
	} else if (!prev->right) {
		avl_insert(root, n, prev, &prev->right, update);
	} else {
		p = avl_first(prev->right);
		avl_insert(root, n, p, &p->left, update);
	}
}

void avl_remove(struct avl_node **root, struct avl_node *n, avl_update_fn update)
{
	struct avl_node *from, *moved = NULL; /* the lowest node whose subtree changed; n's successor, moved */
	if (n->left && n->right) {
		struct avl_node *s = avl_first(n->right); /* n's successor takes its place; it has no left child */
		if (s->parent == n) {
			from = s;
		} else {
			from = s->parent;
			replace_child(root, s, s->right);
			s->right = n->right;
			n->right->parent = s;
		}
		replace_child(root, n, s);
		s->left = n->left;
		n->left->parent = s;
		s->height = n->height;
		moved = s;
	} else {
		from = n->parent;
		replace_child(root, n, n->left ? n->left : n->right);
	}
	n->left = n->right = n->parent = NULL;
	retrace(root, from, update, moved);
}

void avl_changed(struct avl_node *n, avl_update_fn update)
{
	if (update)
		update(n);
	for (n = n->parent; n && refresh(n, update);)
		n = n->parent;
}

struct avl_node *avl_build(struct avl_node *(*next)(void *ctx), void *ctx, size_t n, avl_update_fn update)
{
	if (n == 0)
		return NULL;
	struct avl_node *left = avl_build(next, ctx, n / 2, update); /* as big as the right one, or one bigger */
	struct avl_node *top = next(ctx);
	struct avl_node *right = avl_build(next, ctx, n - n / 2 - 1, update);
	top->left = left;
	top->right = right;
	top->parent = NULL;
	if (left)
		left->parent = top;
	if (right)
		right->parent = top;
	refresh(top, update);
	return top;
}

struct avl_node *avl_first(struct avl_node *root)
{
	while (root && root->left)
		root = root->left;
	return root;
}

struct avl_node *avl_last(struct avl_node *root)
{
	while (root && root->right)
		root = root->right;
	return root;
}

struct avl_node *avl_next(const struct avl_node *n)
{
	if (n->right)
		return avl_first(n->right);
	while (n->parent && n->parent->right == n)
		n = n->parent;
	return n->parent;
}

struct avl_node *avl_prev(const struct avl_node *n)
{
	if (n->left)
		return avl_last(n->left);
	while (n->parent && n->parent->left == n)
		n = n->parent;
	return n->parent;
}
