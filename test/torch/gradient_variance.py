import math, torch
import torch.nn.functional as F
torch.set_num_threads(2)
N,C,H,W=2,3,20,19
n=N*C*H*W
def f32(v): return float(torch.tensor(v,dtype=torch.float32))
xs=torch.tensor([f32(0.5+0.4*math.sin(0.37*i)) for i in range(n)],dtype=torch.float64).view(N,C,H,W).requires_grad_(True)
ys=torch.tensor([f32(0.5+0.3*math.sin(0.37*i+0.2)+0.1*math.cos(1.3*i)) for i in range(n)],dtype=torch.float64).view(N,C,H,W)
kx=torch.tensor([[-1,0,1],[-2,0,2],[-1,0,1]],dtype=torch.float64).view(1,1,3,3)
ky=torch.tensor([[1,2,1],[0,0,0],[-1,-2,-1]],dtype=torch.float64).view(1,1,3,3)
unfold=torch.nn.Unfold(kernel_size=(8,8),stride=8)
def gvmaps(im):
    grey=0.2989*im[:,0:1]+0.5870*im[:,1:2]+0.1140*im[:,2:]
    gx=F.conv2d(grey,kx,padding=1); gy=F.conv2d(grey,ky,padding=1)
    return torch.var(unfold(gx),dim=1), torch.var(unfold(gy),dim=1)
ox,oy=gvmaps(xs); tx,ty=gvmaps(ys)
loss=F.mse_loss(ox,tx)+F.mse_loss(oy,ty)
loss.backward()
print(repr(loss.item()))
g=xs.grad.view(-1)
for i in [0,77,200,555,n-1]: print(i, repr(g[i].item()))
